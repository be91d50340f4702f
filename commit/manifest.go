package commit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

// EventsPath returns the path of the event segment of version:
// "_ingot/events/00000000000000000007.jsonl.zst".
func EventsPath(version int64) string {
	return fmt.Sprintf("%s%0*d%s", EventsDir, versionDigits, version, eventsSuffix)
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
// ignored; a manifest that does not parse, or names another version than
// its file, is an error naming its path.
func ReadLog(ctx context.Context, s Store) ([]Manifest, error) {
	paths, err := s.List(ctx, LogDir)
	if err != nil {
		return nil, fmt.Errorf("read log of %s: %w", s.URI(), err)
	}
	var log []Manifest
	for _, p := range paths {
		v, ok := parseVersion(p, LogDir, manifestSuffix)
		if !ok {
			continue
		}
		b, err := s.ReadFile(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("read log of %s: %w", s.URI(), err)
		}
		var m Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("read log of %s: manifest %s: %w", s.URI(), p, err)
		}
		if m.Version != v {
			return nil, fmt.Errorf("read log of %s: manifest %s: expected version %d, found %d", s.URI(), p, v, m.Version)
		}
		log = append(log, m)
	}
	slices.SortFunc(log, func(a, b Manifest) int { return cmp.Compare(a.Version, b.Version) })
	return log, nil
}

// NextVersion returns 1 + the highest version named by a manifest OR an
// event segment (a segment without manifest is a claim left by a crashed or
// racing writer; never reuse its number). An empty warehouse gives 1.
func NextVersion(ctx context.Context, s Store) (int64, error) {
	var top int64
	for _, d := range []struct{ dir, suffix string }{{LogDir, manifestSuffix}, {EventsDir, eventsSuffix}} {
		paths, err := s.List(ctx, d.dir)
		if err != nil {
			return 0, fmt.Errorf("next version of %s: %w", s.URI(), err)
		}
		for _, p := range paths {
			if v, ok := parseVersion(p, d.dir, d.suffix); ok {
				top = max(top, v)
			}
		}
	}
	return top + 1, nil
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
