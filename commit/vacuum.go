package commit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultVacuumAge is how long an import must have been silent before
// Vacuum treats what it left as garbage: longer than any write of a live
// import is apart, so that a running import never loses a file.
const DefaultVacuumAge = time.Hour

// Kinds of Garbage.
const (
	GarbageTemporary    = "temporary"          // a .tmp- file a writer never published
	GarbageSpool        = "spool"              // under _ingot/tmp/, an import's event spool
	GarbageData         = "unreferenced_data"  // a Parquet part no manifest names
	GarbageSegment      = "orphan_segment"     // an event segment no manifest names
	GarbageReportFolder = "uncommitted_report" // a report folder without report.json of an import that never committed
)

// Garbage is a file or folder a crashed or cancelled run left behind.
type Garbage struct {
	Path     string    // store path; a folder ends in "/"
	Kind     string    // one of the Garbage* kinds
	Bytes    int64     // size, for a folder the sum of its files
	ModTime  time.Time // newest modification in it
	ImportID string    // the import it belongs to, when its name tells
}

// VacuumOptions configure FindGarbage.
type VacuumOptions struct {
	// OlderThan is the quiet time: a file is garbage only if it and every
	// other file of its import were last modified longer ago than this.
	// Default DefaultVacuumAge.
	OlderThan time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// ErrVacuumBadLog is the cause of FindGarbage's error when a manifest
// cannot be trusted: what it names is unknown, so nothing can be called
// unreferenced. `ingot repair` first.
var ErrVacuumBadLog = errors.New("a manifest cannot be trusted")

// FindGarbage lists what crashed or cancelled runs left in a local store,
// changing nothing:
//
//   - temporary files (".tmp-" and the report writer's ".*.tmp-*" and
//     ".rejects-*.spool"), anywhere;
//   - files under _ingot/tmp/ (event spools of imports);
//   - Parquet parts outside _ingot/ that no manifest names;
//   - event segments in _ingot/events/ that no manifest names;
//   - folders of _ingot/reports/ without report.json whose import never
//     committed.
//
// It never lists a file a manifest names (including a manifest moved to
// _ingot/quarantine/ by repair, as far as its text can be read), anything
// in _ingot/log/ or _ingot/quarantine/, or a file of an import that is
// still running: an import (known by the id in its file names) counts as
// running while any of its files was modified less than OlderThan ago,
// and a file without an import id while it was. It refuses to run while a
// manifest of the log cannot be trusted (ErrVacuumBadLog).
func FindGarbage(ctx context.Context, s Store, opt VacuumOptions) ([]Garbage, error) {
	root := s.LocalPath("")
	if root == "" {
		return nil, fmt.Errorf("vacuum %s: only local warehouses are supported yet", s.URI())
	}
	opt.OlderThan = cmp.Or(opt.OlderThan, DefaultVacuumAge)
	if opt.Now == nil {
		opt.Now = time.Now
	}
	cutoff := opt.Now().Add(-opt.OlderThan)

	log, problems, err := ReadLogTolerant(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("vacuum %s: %w: %v; run `ingot repair --dest %s` first", s.URI(), ErrVacuumBadLog, problems[0], s.URI())
	}
	named := map[string]bool{}
	committed := map[string]bool{}
	for _, m := range log {
		committed[m.ImportID] = true
		for _, f := range m.Files {
			named[f.Path] = true
		}
		if m.Events != "" {
			named[m.Events] = true
		}
	}
	quarantined, err := s.List(ctx, QuarantineDir)
	if err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	for _, q := range quarantined {
		b, err := s.ReadFile(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("vacuum: %w", err)
		}
		for _, p := range SalvageReferences(b).Paths {
			named[p] = true
		}
	}

	var cands []Garbage
	lastActive := map[string]time.Time{} // per import id, its newest file
	active := func(id string, t time.Time) {
		if id != "" && t.After(lastActive[id]) {
			lastActive[id] = t
		}
	}
	reports := map[string]*Garbage{} // _ingot/reports/<id>/
	hasReport := map[string]bool{}
	err = filepath.WalkDir(root, func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, fp)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel+"/" == LogDir || rel+"/" == QuarantineDir {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		g := Garbage{Path: rel, Bytes: info.Size(), ModTime: info.ModTime()}
		base := path.Base(rel)
		switch {
		case strings.HasPrefix(rel, "_ingot/reports/"):
			id, _, _ := strings.Cut(strings.TrimPrefix(rel, "_ingot/reports/"), "/")
			g.ImportID = id
			active(id, g.ModTime)
			if base == "report.json" {
				hasReport[id] = true
			}
			r := reports[id]
			if r == nil {
				r = &Garbage{Path: "_ingot/reports/" + id + "/", Kind: GarbageReportFolder, ImportID: id}
				reports[id] = r
			}
			r.Bytes += g.Bytes
			if g.ModTime.After(r.ModTime) {
				r.ModTime = g.ModTime
			}
			if isTemporary(base) {
				g.Kind = GarbageTemporary
				cands = append(cands, g)
			}
			return nil
		case isTemporary(base):
			g.Kind = GarbageTemporary
		case strings.HasPrefix(rel, "_ingot/tmp/"):
			g.Kind = GarbageSpool
			g.ImportID, _, _ = strings.Cut(strings.TrimPrefix(rel, "_ingot/tmp/"), "/")
		case strings.HasPrefix(rel, EventsDir):
			g.ImportID = segmentImport(base)
			if named[rel] {
				return nil
			}
			g.Kind = GarbageSegment
		case strings.HasPrefix(rel, "_ingot/"):
			return nil // not ours to judge
		case strings.HasSuffix(base, ".parquet"):
			g.ImportID = partImport(base)
			if named[rel] {
				return nil
			}
			g.Kind = GarbageData
		default:
			return nil // a file ingot does not write: leave it
		}
		active(g.ImportID, g.ModTime)
		cands = append(cands, g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("vacuum %s: %w", s.URI(), err)
	}
	for id, r := range reports {
		if !hasReport[id] && !committed[id] {
			cands = append(cands, *r)
		}
	}
	var out []Garbage
	for _, g := range cands {
		if !g.ModTime.Before(cutoff) {
			continue
		}
		if g.ImportID != "" && !lastActive[g.ImportID].Before(cutoff) {
			continue // its import is still running
		}
		out = append(out, g)
	}
	// A report folder's temporaries are listed with it: keep only one.
	out = slices.DeleteFunc(out, func(g Garbage) bool {
		if g.Kind != GarbageTemporary || !strings.HasPrefix(g.Path, "_ingot/reports/") {
			return false
		}
		return slices.ContainsFunc(out, func(r Garbage) bool {
			return r.Kind == GarbageReportFolder && strings.HasPrefix(g.Path, r.Path)
		})
	})
	slices.SortFunc(out, func(a, b Garbage) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// isTemporary reports whether base names a file still being written:
// the store's ".tmp-" files and the report writer's hidden temporaries.
func isTemporary(base string) bool {
	return strings.HasPrefix(base, TempPrefix) ||
		strings.HasPrefix(base, ".") && (strings.Contains(base, ".tmp-") || strings.HasSuffix(base, ".spool"))
}

// partImport returns the import id of "part-<import id>-<n>.parquet".
func partImport(base string) string {
	s, ok := strings.CutPrefix(base, "part-")
	if !ok {
		return ""
	}
	s = strings.TrimSuffix(s, ".parquet")
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		return s[:i]
	}
	return ""
}

// segmentImport returns the import id of "<version>-<import id>.jsonl.zst".
func segmentImport(base string) string {
	s, ok := strings.CutSuffix(base, eventsSuffix)
	if !ok || len(s) <= versionDigits+1 || s[versionDigits] != '-' {
		return ""
	}
	return s[versionDigits+1:]
}

// RemoveGarbage deletes what FindGarbage listed (a folder with what it
// holds), then the folders under _ingot/tmp/ left empty. It works on the
// local filesystem under s.LocalPath, so s may be opened read-only. It
// goes on past a file that is already gone and returns the other errors
// joined.
func RemoveGarbage(ctx context.Context, s Store, garbage []Garbage) error {
	var errs []error
	for _, g := range garbage {
		if err := ctx.Err(); err != nil {
			return err
		}
		if checkVacuumPath(g.Path) != nil {
			errs = append(errs, fmt.Errorf("vacuum: refusing to remove %q", g.Path))
			continue
		}
		lp := s.LocalPath(strings.TrimSuffix(g.Path, "/"))
		var err error
		if strings.HasSuffix(g.Path, "/") {
			err = os.RemoveAll(lp)
		} else {
			err = os.Remove(lp)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("vacuum: remove %s: %w", g.Path, err))
		}
	}
	tmp := s.LocalPath("_ingot/tmp")
	if entries, err := os.ReadDir(tmp); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				_ = os.Remove(filepath.Join(tmp, e.Name())) // only if empty
			}
		}
		_ = os.Remove(tmp)
	}
	return errors.Join(errs...)
}

// checkVacuumPath refuses paths that could leave the store or touch the
// log.
func checkVacuumPath(p string) error {
	q := strings.TrimSuffix(p, "/")
	if !fs.ValidPath(q) || q == "." || strings.HasPrefix(p, LogDir) || strings.HasPrefix(p, QuarantineDir) {
		return fmt.Errorf("invalid path %q", p)
	}
	return nil
}
