package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/klauspost/compress/s2"

	"ingot/columnar"
	"ingot/commit"
	"ingot/schema"
)

// Rows and events held back (kinds.HeldOutput, kinds.EventHolder) wait in
// spools under the attempt's temporary directory: Arrow IPC streams per
// table and the event lines, both S2-compressed (fast both ways). Once
// the grouper settled, releaseHeld writes what stays, skipping the rows and
// events of superseded records: they are never written to the warehouse.

// heldTable is the spool of one table's held rows of one source file.
type heldTable struct {
	path  string
	f     *os.File
	z     *s2.Writer
	w     *ipc.Writer
	parts []string // the partition of each record, in order
	rows  int64
}

// hold appends rec (partition p) to the held spool of table.
func (s *writeStage) hold(out *fileWrites, file int, table, p string, rec arrow.RecordBatch) error {
	h := out.held[table]
	if h == nil {
		if out.held == nil {
			out.held = map[string]*heldTable{}
		}
		h = &heldTable{path: filepath.Join(s.tmp, fmt.Sprintf("held-%d-%s.arrows.s2", file, table))}
		var err error
		if h.f, err = os.OpenFile(h.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o666); err != nil {
			return fmt.Errorf("holding back %s rows: %w", table, err)
		}
		out.held[table] = h
		h.z = s2.NewWriter(h.f, s2.WriterConcurrency(1))
		h.w = ipc.NewWriter(h.z, ipc.WithSchema(rec.Schema()))
	}
	if err := h.w.Write(rec); err != nil {
		return fmt.Errorf("holding back %s rows: %w", table, err)
	}
	h.parts = append(h.parts, p)
	h.rows += rec.NumRows()
	return nil
}

// holding says whether any row is held back.
func (s *writeStage) holding() bool {
	for _, out := range s.out {
		if len(out.held) > 0 {
			return true
		}
	}
	return false
}

// closeHeld ends the held spools of a file that ended.
func (out *fileWrites) closeHeld() error {
	var err error
	for _, h := range out.held {
		if h.w != nil {
			err = errors.Join(err, h.w.Close(), h.z.Close(), h.f.Close())
			h.w, h.z, h.f = nil, nil, nil
		}
	}
	return err
}

// dropHeld discards the held spools of a file (failed, or released).
func (out *fileWrites) dropHeld() {
	for _, h := range out.held {
		if h.f != nil {
			_ = h.f.Close()
		}
		_ = os.Remove(h.path)
	}
	out.held = nil
}

// releaseHeld writes the held rows of file fi that keep keeps (by source
// line; nil keeps all) as Parquet, into writers of their own, and adds
// their files to the file's. It returns the rows it skipped.
func (s *writeStage) releaseHeld(ctx context.Context, fi int, keep func(line int64) bool) (skipped int64, err error) {
	out := s.out[fi]
	if len(out.held) == 0 {
		return 0, nil
	}
	defer out.dropHeld()
	for _, t := range s.tables {
		h := out.held[t.Name]
		if h == nil {
			continue
		}
		w, err := commit.NewTableWriter(s.store, t.Name, t.Schema, s.importID, &s.parts, s.opt)
		if err != nil {
			return skipped, err
		}
		n, err := s.releaseTable(ctx, h, t, w, keep)
		skipped += n
		if err != nil {
			_ = w.Abort(ctx)
			return skipped, fmt.Errorf("%s: writing the held %s rows: %w", s.uris[fi], t.Name, err)
		}
		infos, err := w.Close(ctx)
		if err != nil {
			return skipped, fmt.Errorf("%s: writing parquet: %w", s.uris[fi], err)
		}
		out.files = append(out.files, infos...)
	}
	return skipped, nil
}

// releaseTable reads one held spool back into w.
func (s *writeStage) releaseTable(ctx context.Context, h *heldTable, t *schema.Table, w *commit.TableWriter, keep func(int64) bool) (skipped int64, err error) {
	f, err := os.Open(h.path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := ipc.NewReader(s2.NewReader(bufio.NewReaderSize(f, 1<<20)), ipc.WithSchema(t.Schema))
	if err != nil {
		return 0, err
	}
	defer r.Release()
	lineCol := t.Schema.FieldIndices("source_line")
	var idx []int32
	for i := 0; r.Next(); i++ {
		if i >= len(h.parts) {
			return skipped, fmt.Errorf("held spool %s: more records than written", h.path)
		}
		rec := r.RecordBatch()
		if keep != nil && len(lineCol) == 1 {
			lines := rec.Column(lineCol[0]).(*array.Int64).Int64Values()
			idx = idx[:0]
			for k, l := range lines {
				if keep(l) {
					idx = append(idx, int32(k))
				}
			}
			skipped += int64(len(lines) - len(idx))
			if len(idx) < len(lines) {
				if len(idx) == 0 {
					continue
				}
				kept, err := columnar.GatherRecord(s.pool, rec, idx)
				if err != nil {
					return skipped, err
				}
				err = w.Write(ctx, h.parts[i], kept)
				kept.Release()
				if err != nil {
					return skipped, err
				}
				continue
			}
		}
		if err := w.Write(ctx, h.parts[i], rec); err != nil {
			return skipped, err
		}
	}
	return skipped, r.Err()
}

// heldEvents is the spool of one source file's held event lines.
type heldEvents struct {
	path string
	f    *os.File
	z    *s2.Writer
}

// hold appends whole event lines to the held spool of out.
func (s *eventStage) hold(out *fileEvents, file int, data []byte) error {
	if out.held == nil {
		h := &heldEvents{path: filepath.Join(s.tmp, fmt.Sprintf("held-events-%d.jsonl.s2", file))}
		var err error
		if h.f, err = os.OpenFile(h.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o666); err != nil {
			return fmt.Errorf("holding back events: %w", err)
		}
		h.z = s2.NewWriter(h.f, s2.WriterConcurrency(1))
		out.held = h
	}
	if _, err := out.held.z.Write(data); err != nil {
		return fmt.Errorf("holding back events: %w", err)
	}
	return nil
}

// closeHeld ends the held event spool of a file that ended.
func (out *fileEvents) closeHeld() error {
	h := out.held
	if h == nil || h.z == nil {
		return nil
	}
	err := errors.Join(h.z.Close(), h.f.Close())
	h.z, h.f = nil, nil
	return err
}

// dropHeld discards the held event spool.
func (out *fileEvents) dropHeld() {
	if h := out.held; h != nil {
		if h.f != nil {
			_ = h.f.Close()
		}
		_ = os.Remove(h.path)
		out.held = nil
	}
}

// releaseHeld writes the held events of file fi that keep keeps (by the
// source line of the record; nil keeps all) into a spool of their own in
// the warehouse. It returns the events it skipped.
func (s *eventStage) releaseHeld(ctx context.Context, fi int, keep func(line int64) bool) (skipped int64, err error) {
	out := s.out[fi]
	if out.held == nil {
		return 0, nil
	}
	defer out.dropHeld()
	f, err := os.Open(out.held.path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	path := s.spoolPath(fi, 2)
	fw, err := s.store.Create(ctx, path, false)
	if err != nil {
		return 0, fmt.Errorf("writing the event log into the warehouse: %w", err)
	}
	ew, err := commit.NewEventWriter(fw, commit.EventOptions{})
	if err != nil {
		fw.Abort()
		return 0, err
	}
	br := bufio.NewReaderSize(s2.NewReader(f), 1<<20)
	buf := make([]byte, 0, eventChunkSize+eventChunkSize/2)
	var long []byte
	for {
		chunk, rerr := br.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			continue
		}
		line := chunk
		if len(long) > 0 {
			line = append(long, chunk...)
			long = long[:0]
		}
		if len(line) > 0 {
			stays := true
			if keep != nil {
				n, ok := eventSourceLine(line)
				if !ok {
					err = fmt.Errorf("held events: a line without its source line: %.80q", line)
					break
				}
				stays = keep(n)
			}
			if stays {
				buf = append(buf, line...)
			} else {
				skipped++
			}
			if len(buf) >= eventChunkSize {
				if err = ew.WriteLines(buf); err != nil {
					break
				}
				buf = buf[:0]
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = fmt.Errorf("held events: %w", rerr)
			break
		}
	}
	if err == nil && len(buf) > 0 {
		err = ew.WriteLines(buf)
	}
	if err == nil {
		err = ew.Close()
	}
	if err == nil {
		err = fw.Close()
	} else {
		fw.Abort()
	}
	if err != nil {
		return skipped, err
	}
	out.heldSpool, out.heldLines = path, ew.Lines()
	return skipped, nil
}

// eventSourceLine finds the source line of an event line rendered as
// {"type":…,"key":…,…,"source":{"file":…,"line":N},…} without parsing
// the rest: `,"source":{"file":` cannot occur inside a JSON string (a
// quote in one is escaped), so its first occurrence is the member's.
func eventSourceLine(line []byte) (int64, bool) {
	const tag, lineTag = `,"source":{"file":"`, `,"line":`
	i := bytes.Index(line, []byte(tag))
	if i < 0 {
		return 0, false
	}
	j := i + len(tag)
	for ; j < len(line) && line[j] != '"'; j++ {
		if line[j] == '\\' {
			j++
		}
	}
	j++
	if j > len(line) || !bytes.HasPrefix(line[j:], []byte(lineTag)) {
		return 0, false
	}
	j += len(lineTag)
	k := j
	for k < len(line) && line[k] >= '0' && line[k] <= '9' {
		k++
	}
	n, err := strconv.ParseInt(string(line[j:k]), 10, 64)
	return n, err == nil
}
