package ingot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"ingot/commit"
	"ingot/validate"
)

// commit publishes the import: the event segment (which claims the
// version), then the manifest, the single point at which the data files
// become visible. Losing either race is ErrConflict.
func (j *job) commit(ctx context.Context, total validate.Counts) error {
	var files []commit.FileInfo
	var sources []commit.SourceInfo
	for fi, f := range j.files {
		if f.failed {
			continue
		}
		files = append(files, j.out[fi].files...)
		sources = append(sources, commit.SourceInfo{URI: f.obj.URI, SHA256: f.report.SHA256, Bytes: f.report.Bytes})
	}
	seg := commit.EventsPath(j.version)
	var spools []string
	for fi, f := range j.files {
		if !f.failed && j.out[fi].spool != "" {
			spools = append(spools, j.out[fi].spool)
		}
	}
	if len(spools) == 1 { // the usual case: claim the spool itself
		if err := j.store.Link(ctx, spools[0], seg); err != nil {
			if errors.Is(err, commit.ErrExists) {
				return fmt.Errorf("%w: version %d was claimed by another writer", ErrConflict, j.version)
			}
			return fmt.Errorf("event segment: %w", err)
		}
	} else if err := j.concatSpools(ctx, seg, spools); err != nil {
		return err
	}
	m := &commit.Manifest{
		Version: j.version, ImportID: j.importID, CommittedAt: j.opt.Now().UTC(),
		Kind: j.opt.Kind, Format: j.opt.Format, Files: files, Events: seg, Sources: sources,
		Counts: countsMap(total),
	}
	if err := commit.PutManifest(ctx, j.store, m); err != nil {
		_ = j.store.Remove(ctx, seg)
		if errors.Is(err, commit.ErrExists) {
			return fmt.Errorf("%w: manifest %d exists", ErrConflict, j.version)
		}
		return err
	}
	return nil
}

// concatSpools writes the segment seg as the spools one after the other
// (zstd frames concatenate), or as an empty frame when there is none.
func (j *job) concatSpools(ctx context.Context, seg string, spools []string) error {
	w, err := j.store.Create(ctx, seg, true)
	if err != nil {
		return err
	}
	for _, sp := range spools {
		if err := j.copyStored(ctx, w, sp); err != nil {
			w.Abort()
			return fmt.Errorf("event segment: %w", err)
		}
	}
	if len(spools) == 0 {
		ew, err := commit.NewEventWriter(w, commit.EventOptions{})
		if err == nil {
			err = ew.Close()
		}
		if err != nil {
			w.Abort()
			return err
		}
	}
	if err := w.Close(); err != nil {
		if errors.Is(err, commit.ErrExists) {
			return fmt.Errorf("%w: version %d was claimed by another writer", ErrConflict, j.version)
		}
		return fmt.Errorf("event segment: %w", err)
	}
	return nil
}

func (j *job) copyStored(ctx context.Context, w io.Writer, path string) error {
	r, err := j.store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

// removeSpools deletes the import's event spools, and on a local store
// their directories once empty.
func (j *job) removeSpools(ctx context.Context) {
	for _, out := range j.out {
		if out.spool != "" {
			_ = j.store.Remove(ctx, out.spool)
			out.spool = ""
		}
	}
	if dir := j.store.LocalPath(path.Dir(j.spoolPath(0, 0))); dir != "" {
		_ = os.Remove(dir)               // fails, harmlessly, unless empty
		_ = os.Remove(filepath.Dir(dir)) // _ingot/tmp, when no other import uses it
	}
}

func countsMap(c validate.Counts) map[string]int64 {
	return map[string]int64{
		"rows": c.Rows, "records": c.Records, "valid": c.Valid, "rejected": c.Rejected,
		"added": c.Added, "updated": c.Updated, "unchanged": c.Unchanged, "superseded": c.Superseded,
		"rows_committed": c.RowsCommitted, "rows_rejected": c.RowsRejected,
		"rows_superseded": c.RowsSuperseded, "rows_failed": c.RowsFailed,
	}
}
