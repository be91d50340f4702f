package ingot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

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
	w, err := j.store.Create(ctx, seg, true)
	if err != nil {
		return err
	}
	spools := 0
	for fi, f := range j.files {
		out := j.out[fi]
		if f.failed || out.spool == "" {
			continue
		}
		spools++
		if err := appendFile(w, out.spool); err != nil {
			w.Abort()
			return fmt.Errorf("event segment: %w", err)
		}
	}
	if spools == 0 { // an empty, valid segment
		ew, err := commit.NewEventWriter(w, commit.EventOptions{})
		if err != nil {
			w.Abort()
			return err
		}
		if err := ew.Close(); err != nil {
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

func appendFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
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
