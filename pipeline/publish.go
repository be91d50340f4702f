package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"ingot/commit"
	"ingot/schema"
	"ingot/validate"
)

// commit publishes the import: the event segment under a name of its
// own, then the manifest, whose put-if-absent creation at version a.version
// (the one right after the log the import diffed against) is the single
// point at which the data files become visible. A manifest already there
// means another writer committed first: ErrConflict, and the caller diffs
// again on top of it. A failed manifest write may still have happened
// (commit state unknown): the log is read back to find out.
func (a *attempt) commit(ctx context.Context, total validate.Counts) error {
	var files []commit.FileInfo
	var sources []commit.SourceInfo
	for fi, f := range a.files {
		if f.failed {
			continue
		}
		files = append(files, a.write.out[fi].files...)
		sources = append(sources, commit.SourceInfo{URI: f.report.URI, SHA256: f.report.SHA256, Bytes: f.report.Bytes})
	}
	seg := commit.EventsPath(a.version, a.importID)
	var spools []string
	for fi, f := range a.files {
		if !f.failed && a.events.out[fi].spool != "" {
			spools = append(spools, a.events.out[fi].spool)
		}
	}
	if len(spools) == 1 { // the usual case: publish the spool itself
		if err := a.store.Link(ctx, spools[0], seg); err != nil {
			return fmt.Errorf("event segment: %w", err)
		}
	} else if err := a.concatSpools(ctx, seg, spools); err != nil {
		return err
	}
	if a.opt.BeforeManifest != nil {
		a.opt.BeforeManifest(a.n)
	}
	if err := ctx.Err(); err != nil { // cancelled before the commit point
		_ = a.store.Remove(context.WithoutCancel(ctx), seg)
		return err
	}
	m := &commit.Manifest{
		Version: a.version, ImportID: a.importID, CommittedAt: a.opt.Now().UTC(),
		Kind: a.opt.Kind.Name(), Format: a.opt.Format.Name, Files: files, Events: seg, Sources: sources,
		Counts: countsMap(total), Pinned: a.opt.Pinned,
	}
	// The manifest is written whole or not at all: a cancel no longer
	// interrupts it.
	err := commit.PutManifest(context.WithoutCancel(ctx), a.store, m)
	if a.opt.AfterManifest != nil {
		err = a.opt.AfterManifest(err)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, commit.ErrExists):
		_ = a.store.Remove(context.WithoutCancel(ctx), seg)
		return fmt.Errorf("%w: version %d was committed by another import", ErrConflict, a.version)
	}
	// Commit state unknown: the manifest may be in place all the same.
	log, rerr := commit.ReadLog(context.WithoutCancel(ctx), a.store)
	if rerr != nil {
		a.stateUnknown = true // keep every file: a manifest may name them
		return fmt.Errorf("commit state unknown: writing manifest %d failed (%w) and the log could not be read back (%w); run `ingot log` to see whether import %s is committed",
			a.version, err, rerr, a.importID)
	}
	if mine, ok := commit.FindImport(log, a.importID); ok {
		a.opt.Logger.Warn("the manifest write reported an error, but the commit is in place", "version", mine.Version, "err", err)
		a.version = mine.Version
		return nil
	}
	_ = a.store.Remove(context.WithoutCancel(ctx), seg)
	if _, taken := commit.FindVersion(log, a.version); taken {
		return fmt.Errorf("%w: version %d was committed by another import", ErrConflict, a.version)
	}
	return err
}

// concatSpools writes the segment seg as the spools one after the other
// (zstd frames concatenate), or as an empty frame when there is none.
func (a *attempt) concatSpools(ctx context.Context, seg string, spools []string) error {
	w, err := a.store.Create(ctx, seg, true)
	if err != nil {
		return err
	}
	for _, sp := range spools {
		if err := a.copyStored(ctx, w, sp); err != nil {
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

func (a *attempt) copyStored(ctx context.Context, w io.Writer, path string) error {
	r, err := a.store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

func countsMap(c validate.Counts) map[string]int64 {
	return map[string]int64{
		"rows": c.Rows, "records": c.Records, "valid": c.Valid, "rejected": c.Rejected,
		"added": c.Added, "updated": c.Updated, "unchanged": c.Unchanged, "superseded": c.Superseded,
		"rows_committed": c.RowsCommitted, "rows_rejected": c.RowsRejected,
		"rows_superseded": c.RowsSuperseded, "rows_failed": c.RowsFailed,
	}
}

// removeSuperseded takes the rows and events of superseded records out of
// what was written: the Parquet files of the partitions that hold some
// are rewritten without them, and so is the file's event spool.
func (a *attempt) removeSuperseded(ctx context.Context) error {
	if a.opt.DryRun || a.result == nil {
		return nil
	}
	for fi, rm := range a.result.Removals {
		if a.files[fi].failed {
			continue
		}
		out := a.write.out[fi]
		var files []commit.FileInfo
		for _, f := range out.files {
			if !rm.Partitions[f.Partition] {
				files = append(files, f)
				continue
			}
			nf, err := commit.FilterFile(ctx, a.store, f, schema.Lookup(f.Table).Schema, a.importID, &a.write.parts, rm.KeepRow)
			if err != nil {
				return fmt.Errorf("removing superseded rows from %s: %w", f.Path, err)
			}
			if nf.Path != "" {
				files = append(files, nf)
			}
		}
		out.files = files
		if a.events.out[fi].spool != "" {
			if err := a.filterSpool(ctx, fi, rm.KeepEvent); err != nil {
				return err
			}
		}
	}
	return nil
}

// filterSpool rewrites a file's event spool with only the events keep
// keeps (matched by key and first line).
func (a *attempt) filterSpool(ctx context.Context, fi int, keep func(key string, line int64) bool) error {
	out := a.events.out[fi]
	in, err := a.store.Open(ctx, out.spool)
	if err != nil {
		return err
	}
	defer in.Close()
	path := a.events.spoolPath(fi, 1)
	fw, err := a.store.Create(ctx, path, false)
	if err != nil {
		return err
	}
	w, err := commit.NewEventWriter(fw, commit.EventOptions{})
	if err != nil {
		fw.Abort()
		return err
	}
	var head struct {
		Key    string `json:"key"`
		Source struct {
			Line int64 `json:"line"`
		} `json:"source"`
	}
	err = commit.ReadEvents(in, func(line []byte) error {
		if err := json.Unmarshal(line, &head); err != nil {
			return fmt.Errorf("writing the event log into the warehouse: %w", err)
		}
		if !keep(head.Key, head.Source.Line) {
			return nil
		}
		return w.WriteLine(line)
	})
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = fw.Close()
	} else {
		fw.Abort()
	}
	if err != nil {
		return err
	}
	out.lines = w.Lines()
	_ = a.store.Remove(ctx, out.spool)
	out.spool = path
	return nil
}
