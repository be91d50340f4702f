package commit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Folders of the log under the warehouse root.
const (
	LogDir    = "_ingot/log/"
	EventsDir = "_ingot/events/"
)

const (
	manifestSuffix = ".json"
	eventsSuffix   = ".jsonl.zst"
	versionDigits  = 20
)

// Manifest describes one commit (design section 3). Its put-if-absent
// creation at ManifestPath(Version) is the commit point: readers trust only
// the files a manifest names.
type Manifest struct {
	Version     int64            `json:"version"`
	ImportID    string           `json:"import_id"`
	CommittedAt time.Time        `json:"committed_at"`
	Kind        string           `json:"kind"`
	Format      string           `json:"format"`
	Files       []FileInfo       `json:"files"`
	Events      string           `json:"events"`
	Sources     []SourceInfo     `json:"sources"`
	Counts      map[string]int64 `json:"counts"`
	// Pinned records the options of the import that change how its
	// records are stored (hash_emails, user_id_type, order_id, merge),
	// as text; a later import of the kind with other values is refused
	// unless it allows the change. Absent in manifests of older builds.
	Pinned map[string]string `json:"pinned,omitempty"`
}

// FileInfo is a data file of a commit. Path is relative to the warehouse
// root; Partition is the value of PartitionColumn ("2020-09") or empty for
// an unpartitioned table.
type FileInfo struct {
	Table     string `json:"table"`
	Path      string `json:"path"`
	Partition string `json:"partition,omitempty"`
	Rows      int64  `json:"rows"`
	Bytes     int64  `json:"bytes"`
}

// SourceInfo is an input of a commit.
type SourceInfo struct {
	URI    string `json:"uri"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// ManifestPath returns the path of the manifest of version:
// "_ingot/log/00000000000000000007.json".
func ManifestPath(version int64) string {
	return fmt.Sprintf("%s%0*d%s", LogDir, versionDigits, version, manifestSuffix)
}

// EventsPath returns the path of the event segment that the import
// importID writes for version: "_ingot/events/00000000000000000007-<import id>.jsonl.zst".
//
// The segment is named by its import as well as its version, like a data
// file: it is published before the manifest and claims nothing. Only the
// put-if-absent manifest decides which import a version belongs to, so a
// writer that loses the race, or crashes, leaves a segment that no
// manifest names (readers trust only what manifests name; vacuum removes
// it), and can never make another writer skip or reuse a version.
func EventsPath(version int64, importID string) string {
	return fmt.Sprintf("%s%0*d-%s%s", EventsDir, versionDigits, version, importID, eventsSuffix)
}

// parseVersion returns the version named by p if p is dir + 20 digits +
// suffix.
func parseVersion(p, dir, suffix string) (int64, bool) {
	name, ok := strings.CutPrefix(p, dir)
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(name, suffix)
	if !ok || len(digits) != versionDigits {
		return 0, false
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v <= 0 {
		return 0, false
	}
	return v, true
}

// ReadLog returns the manifests of s in ascending version order. Files in
// the log folder whose names are not ManifestPath of some version are
// ignored. If any manifest cannot be trusted (see ReadLogTolerant) the
// error is a *BadLogError naming it and the way out (`ingot repair`):
// writers must not build on a log they cannot read whole.
func ReadLog(ctx context.Context, s Store) ([]Manifest, error) {
	log, problems, err := ReadLogTolerant(ctx, s)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, &BadLogError{URI: s.URI(), Problems: problems}
	}
	return log, nil
}

// NextVersion returns the version a commit on top of log takes: one
// more than its newest manifest, 1 for an empty log. It is the only
// version an import that diffed against log may commit: on a conflict it
// must re-read the log and diff again, never skip ahead.
func NextVersion(log []Manifest) int64 {
	if len(log) == 0 {
		return 1
	}
	return log[len(log)-1].Version + 1
}

// FindVersion returns the manifest of version in log, if there is one.
func FindVersion(log []Manifest, version int64) (Manifest, bool) {
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Version == version {
			return log[i], true
		}
	}
	return Manifest{}, false
}

// FindImport returns the manifest of importID in log, if there is one. A
// writer whose manifest write reported an error uses it to learn whether
// the commit happened anyway ("commit state unknown").
func FindImport(log []Manifest, importID string) (Manifest, bool) {
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].ImportID == importID {
			return log[i], true
		}
	}
	return Manifest{}, false
}

// PutManifest writes m at ManifestPath(m.Version) with put-if-absent, which
// commits it. It returns an error wrapping ErrExists when another writer
// took the version first: the caller re-reads the log, re-diffs and
// retries with a new version.
func PutManifest(ctx context.Context, s Store, m *Manifest) error {
	if m.Version <= 0 {
		return fmt.Errorf("put manifest: expected a version > 0, found %d", m.Version)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("put manifest %d: %w", m.Version, err)
	}
	b = append(b, '\n')
	p := ManifestPath(m.Version)
	if err := s.PutIfAbsent(ctx, p, b); err != nil {
		if errors.Is(err, ErrExists) {
			return fmt.Errorf("put manifest %s: version %d already committed: %w", p, m.Version, err)
		}
		return fmt.Errorf("put manifest %s: %w", p, err)
	}
	return nil
}
