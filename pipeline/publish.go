package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"ingot/commit"
	"ingot/internal/fault"
	"ingot/kinds"
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
		if f.failed || f.skipped {
			continue
		}
		files = append(files, a.write.out[fi].files...)
		sources = append(sources, commit.SourceInfo{URI: f.report.URI, SHA256: f.report.SHA256, Bytes: f.report.Bytes})
	}
	seg := commit.EventsPath(a.version, a.importID)
	var spools []string
	for fi, f := range a.files {
		if f.failed {
			continue
		}
		for _, sp := range []string{a.events.out[fi].spool, a.events.out[fi].heldSpool} {
			if sp != "" {
				spools = append(spools, sp)
			}
		}
	}
	if len(spools) == 1 { // the usual case: publish the spool itself
		if err := a.store.Link(ctx, spools[0], seg); err != nil {
			return fmt.Errorf("event segment: %w", err)
		}
	} else if err := a.concatSpools(ctx, seg, spools); err != nil {
		return err
	}
	fault.Hit(fault.SegmentPublished)
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
// what the import writes. The rows and events the kind held back
// (kinds.HeldOutput) are written now, without those of superseded
// records: the usual case, as a kind holds back from the first key that
// comes back on. What was written before is taken out per file and
// partition: files whose rows are all superseded are removed, others are
// rewritten without them (and so is the file's event spool).
func (a *attempt) removeSuperseded(ctx context.Context) error {
	if a.opt.DryRun || a.result == nil {
		return nil
	}
	var held, skipped, removed, rewritten int64
	for fi, f := range a.files {
		if f.failed {
			continue
		}
		rm := a.result.Removals[fi]
		var keep func(int64) bool
		if rm != nil {
			r, w, err := a.removeWritten(ctx, fi, rm)
			if err != nil {
				return err
			}
			removed += r
			rewritten += w
			keep = rm.KeepLine
		}
		for _, t := range a.write.out[fi].held {
			held += t.rows
		}
		n, err := a.write.releaseHeld(ctx, fi, keep)
		if err != nil {
			return err
		}
		skipped += n
		if _, err := a.events.releaseHeld(ctx, fi, keep); err != nil {
			return err
		}
	}
	if held+removed+rewritten > 0 {
		a.opt.Logger.Debug("superseded rows taken out", "import_id", a.importID, "held_rows", held,
			"held_rows_skipped", skipped, "parts_removed", removed, "parts_rewritten", rewritten)
	}
	return nil
}

// removeWritten takes the superseded rows and events of file fi out of
// what was written before the kind held anything back. It returns the
// number of data files removed whole and rewritten.
func (a *attempt) removeWritten(ctx context.Context, fi int, rm *kinds.Removal) (removed, rewritten int64, err error) {
	out := a.write.out[fi]
	type tp struct{ table, partition string }
	written := map[tp]int64{}
	for _, f := range out.files {
		written[tp{f.Table, f.Partition}] += f.Rows
	}
	var files []commit.FileInfo
	for _, f := range out.files {
		drop := int64(-1) // unknown
		if rm.Counted {
			drop = rm.DroppedRows[f.Table][f.Partition]
		}
		switch {
		case !rm.Partitions[f.Partition] || drop == 0:
			files = append(files, f)
		case drop == written[tp{f.Table, f.Partition}]:
			if err := a.store.Remove(ctx, f.Path); err != nil {
				return removed, rewritten, fmt.Errorf("removing superseded rows: %w", err)
			}
			removed++
		default:
			nf, err := commit.FilterFile(ctx, a.store, f, schema.Lookup(f.Table).Schema, a.importID, &a.write.parts, rm.KeepRow)
			if err != nil {
				return removed, rewritten, fmt.Errorf("removing superseded rows from %s: %w", f.Path, err)
			}
			rewritten++
			if nf.Path != "" {
				files = append(files, nf)
			}
		}
	}
	out.files = files
	ev := a.events.out[fi]
	switch {
	case ev.spool == "" || rm.Counted && rm.DroppedEvents == 0:
	case rm.Counted && rm.DroppedEvents == ev.lines:
		if err := a.store.Remove(ctx, ev.spool); err != nil {
			return removed, rewritten, fmt.Errorf("removing superseded events: %w", err)
		}
		ev.spool, ev.lines = "", 0
	default:
		if err := a.filterSpool(ctx, fi, rm.KeepEvent); err != nil {
			return removed, rewritten, err
		}
	}
	return removed, rewritten, nil
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
