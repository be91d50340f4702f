package commit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// QuarantineDir is where `ingot repair` moves manifests that cannot be
// trusted: out of the log, kept for inspection, never read.
const QuarantineDir = "_ingot/quarantine/"

// ErrBadManifest is the cause of every LogProblem: a manifest that is
// torn, hand-edited or otherwise not what a commit wrote.
var ErrBadManifest = errors.New("manifest cannot be trusted")

// LogProblem is a file of the log that is not a trustworthy manifest.
type LogProblem struct {
	Path    string // store path, "_ingot/log/00000000000000000007.json"
	Version int64  // the version its name claims
	Size    int64  // bytes, when it could be read
	Err     error  // why it is not trusted; wraps ErrBadManifest
}

// Error renders the problem as "_ingot/log/….json: manifest cannot be
// trusted: unexpected end of JSON input".
func (p LogProblem) Error() string { return p.Path + ": " + p.Err.Error() }

// Unwrap returns the cause.
func (p LogProblem) Unwrap() error { return p.Err }

// BadLogError is the error of ReadLog when some manifests cannot be
// trusted: an import must not diff or commit on top of such a log.
type BadLogError struct {
	URI      string // the store
	Problems []LogProblem
}

// Error names the first damaged manifest and the way out.
func (e *BadLogError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "read log of %s: %s", e.URI, e.Problems[0].Error())
	if n := len(e.Problems) - 1; n > 0 {
		fmt.Fprintf(&b, " (and %d more damaged manifest(s))", n)
	}
	fmt.Fprintf(&b, "; nothing was changed. Run `ingot repair --dest %s` to see what it referenced, then with --apply to move it aside into %s", e.URI, QuarantineDir)
	return b.String()
}

// Unwrap returns the problems, so that errors.Is(err, ErrBadManifest)
// holds.
func (e *BadLogError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// ReadLogTolerant returns the manifests of s that can be trusted, in
// ascending version order, and a LogProblem for each file of the log that
// cannot: one that does not parse (a torn write, a hand edit), names
// another version than its file, or names a path that is not a valid
// store path (absolute, with "..", or a temporary). Reading commands use
// it to keep working on the valid versions and warn about the others.
// The error is for the store itself failing (listing the log, reading a
// file).
func ReadLogTolerant(ctx context.Context, s Store) ([]Manifest, []LogProblem, error) {
	paths, err := s.List(ctx, LogDir)
	if err != nil {
		return nil, nil, fmt.Errorf("read log of %s: %w", s.URI(), err)
	}
	var (
		log      []Manifest
		problems []LogProblem
	)
	for _, p := range paths {
		v, ok := parseVersion(p, LogDir, manifestSuffix)
		if !ok {
			continue
		}
		b, err := s.ReadFile(ctx, p)
		if err != nil {
			return nil, nil, fmt.Errorf("read log of %s: %w", s.URI(), err)
		}
		m, err := parseManifest(b, v)
		if err != nil {
			problems = append(problems, LogProblem{Path: p, Version: v, Size: int64(len(b)), Err: fmt.Errorf("%w: %w", ErrBadManifest, err)})
			continue
		}
		log = append(log, m)
	}
	slices.SortFunc(log, func(a, b Manifest) int { return cmp.Compare(a.Version, b.Version) })
	return log, problems, nil
}

// parseManifest decodes and checks the manifest of version.
func parseManifest(b []byte, version int64) (Manifest, error) {
	var m Manifest
	if len(b) == 0 {
		return m, errors.New("empty file")
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, err
	}
	if m.Version != version {
		return m, fmt.Errorf("expected version %d, found %d", version, m.Version)
	}
	for i, f := range m.Files {
		if err := checkPath(f.Path); err != nil {
			return m, fmt.Errorf("files[%d]: %w", i, err)
		}
		if f.Table == "" || f.Rows < 0 || f.Bytes < 0 {
			return m, fmt.Errorf("files[%d] %s: expected a table and counts >= 0, found table %q, rows %d, bytes %d", i, f.Path, f.Table, f.Rows, f.Bytes)
		}
	}
	if m.Events != "" {
		if err := checkPath(m.Events); err != nil {
			return m, fmt.Errorf("events: %w", err)
		}
	}
	return m, nil
}

// Referenced lists what a damaged manifest seems to name, salvaged from
// its text: every "path" and "events" string value and the import id.
// It is for showing a user what repair would move aside; nothing is
// trusted from it.
type Referenced struct {
	ImportID string
	Paths    []string
}

// SalvageReferences scans the text of a damaged manifest for the paths it
// names, tolerating any damage (a torn end, a broken brace).
func SalvageReferences(b []byte) Referenced {
	var r Referenced
	s := string(b)
	for _, key := range []string{`"path"`, `"events"`, `"import_id"`} {
		rest := s
		for {
			i := strings.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			v, ok := stringAfterColon(rest)
			if !ok || v == "" {
				continue
			}
			if key == `"import_id"` {
				if r.ImportID == "" {
					r.ImportID = v
				}
				continue
			}
			r.Paths = append(r.Paths, v)
		}
	}
	return r
}

// stringAfterColon returns the JSON string after `: ` at the start of s.
func stringAfterColon(s string) (string, bool) {
	s = strings.TrimLeft(s, " \t\r\n")
	if !strings.HasPrefix(s, ":") {
		return "", false
	}
	s = strings.TrimLeft(s[1:], " \t\r\n")
	if !strings.HasPrefix(s, `"`) {
		return "", false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			var v string
			if err := json.Unmarshal([]byte(s[:i+1]), &v); err != nil {
				return "", false
			}
			return v, true
		}
	}
	return "", false
}
