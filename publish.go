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

// commit publishes the import: the event segment under a name of its
// own, then the manifest, whose put-if-absent creation at version j.version
// (the one right after the log the import diffed against) is the single
// point at which the data files become visible. A manifest already there
// means another writer committed first: ErrConflict, and the caller diffs
// again on top of it. A failed manifest write may still have happened
// (commit state unknown): the log is read back to find out.
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
	seg := commit.EventsPath(j.version, j.importID)
	var spools []string
	for fi, f := range j.files {
		if !f.failed && j.out[fi].spool != "" {
			spools = append(spools, j.out[fi].spool)
		}
	}
	if len(spools) == 1 { // the usual case: publish the spool itself
		if err := j.store.Link(ctx, spools[0], seg); err != nil {
			return fmt.Errorf("event segment: %w", err)
		}
	} else if err := j.concatSpools(ctx, seg, spools); err != nil {
		return err
	}
	if j.opt.beforeManifest != nil {
		j.opt.beforeManifest(j.attempt)
	}
	m := &commit.Manifest{
		Version: j.version, ImportID: j.importID, CommittedAt: j.opt.Now().UTC(),
		Kind: j.opt.Kind, Format: j.opt.Format, Files: files, Events: seg, Sources: sources,
		Counts: countsMap(total),
	}
	err := commit.PutManifest(ctx, j.store, m)
	if j.opt.afterManifest != nil {
		err = j.opt.afterManifest(err)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, commit.ErrExists):
		_ = j.store.Remove(context.WithoutCancel(ctx), seg)
		return fmt.Errorf("%w: version %d was committed by another import", ErrConflict, j.version)
	}
	// Commit state unknown: the manifest may be in place all the same.
	log, rerr := commit.ReadLog(context.WithoutCancel(ctx), j.store)
	if rerr != nil {
		j.stateUnknown = true // keep every file: a manifest may name them
		return fmt.Errorf("commit state unknown: writing manifest %d failed (%w) and the log could not be read back (%w); run `ingot log` to see whether import %s is committed",
			j.version, err, rerr, j.importID)
	}
	if mine, ok := commit.FindImport(log, j.importID); ok {
		j.opt.Logger.Warn("the manifest write reported an error, but the commit is in place", "version", mine.Version, "err", err)
		j.version = mine.Version
		return nil
	}
	_ = j.store.Remove(context.WithoutCancel(ctx), seg)
	if _, taken := commit.FindVersion(log, j.version); taken {
		return fmt.Errorf("%w: version %d was committed by another import", ErrConflict, j.version)
	}
	return err
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
