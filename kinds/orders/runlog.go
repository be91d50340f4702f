package orders

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"ingot/columnar"
)

// runLogBuckets is the number of spill files the run log splits keys over.
// At the end one bucket at a time is held in memory: 1/64 of the runs.
const runLogBuckets = 64

// runLog records every run of rows of every order in the import, in the
// order they were read, spilled to disk in buckets by key hash. Finding the
// orders whose id came back after other orders thus takes constant memory
// while the import streams, however many orders the files hold, and one
// bucket's worth at the end.
type runLog struct {
	dir   string
	files [runLogBuckets]*os.File
	bufs  [runLogBuckets]*bufio.Writer
	rec   []byte
	err   error
}

// runRecord is the fixed part of a spilled run: key hash, then runRef.
const runRecordSize = 16 + 4 + 8 + 8 + 4 + 4 + 1 + 2

// heldBit marks a held run in a record's outcome byte.
const heldBit = 0x80

func newRunLog(dir string) *runLog { return &runLog{dir: dir} }

// add appends one run of key. Errors are sticky and reported by settle.
func (l *runLog) add(key string, r runRef) {
	if l.err != nil {
		return
	}
	if len(key) > 0xFFFF {
		key = key[:0xFFFF]
	}
	k := columnar.KeyOfString(key)
	b := int(k.Hi >> 58) // top 6 bits
	if l.bufs[b] == nil {
		f, err := os.Create(filepath.Join(l.dir, fmt.Sprintf("runs-%02d", b)))
		if err != nil {
			l.err = fmt.Errorf("run log: %w", err)
			return
		}
		l.files[b], l.bufs[b] = f, bufio.NewWriterSize(f, 32<<10)
	}
	e := binary.LittleEndian
	rec := l.rec[:0]
	rec = e.AppendUint64(rec, k.Hi)
	rec = e.AppendUint64(rec, k.Lo)
	rec = e.AppendUint32(rec, uint32(r.file))
	rec = e.AppendUint64(rec, uint64(r.first))
	rec = e.AppendUint64(rec, uint64(r.last))
	rec = e.AppendUint32(rec, uint32(r.month))
	rec = e.AppendUint32(rec, uint32(r.rows))
	o := r.outcome
	if r.held {
		o |= heldBit
	}
	rec = append(rec, o)
	rec = e.AppendUint16(rec, uint16(len(key)))
	rec = append(rec, key...)
	l.rec = rec
	if _, err := l.bufs[b].Write(rec); err != nil {
		l.err = fmt.Errorf("run log: %w", err)
	}
}

// supersessions reads the log back bucket by bucket and returns, for every
// key with more than one run, each run paired with the next one, in import
// order.
func (l *runLog) supersessions() ([]supersession, error) {
	if l.err != nil {
		return nil, l.err
	}
	var out []supersession
	for b := range runLogBuckets {
		if l.bufs[b] == nil {
			continue
		}
		if err := l.bufs[b].Flush(); err != nil {
			return nil, fmt.Errorf("run log: %w", err)
		}
		if _, err := l.files[b].Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("run log: %w", err)
		}
		data, err := io.ReadAll(l.files[b])
		if err != nil {
			return nil, fmt.Errorf("run log: %w", err)
		}
		// The latest run of each key so far, by record offset: a hash
		// table, not a sort, as nearly every key has one run. Records are
		// decoded only for keys seen twice, and their keys compared as
		// bytes, so even a hash collision cannot pair two orders.
		var last columnar.KeyMap[int32]
		for off := 0; off < len(data); {
			k, key, next, err := recordAt(data, off)
			if err != nil {
				return nil, err
			}
			prev, seen := last.Put(k, int32(off))
			if seen {
				_, pkey, _, _ := recordAt(data, int(prev))
				if string(pkey) == string(key) {
					out = append(out, supersession{key: string(key), prev: runAt(data, int(prev)), by: runAt(data, off)})
				} else {
					last.Put(k, prev) // a collision: keep the first key's chain
				}
			}
			off = next
		}
	}
	// Put the pairs back in import order of the later run.
	slices.SortStableFunc(out, func(a, b supersession) int {
		return cmp.Or(cmp.Compare(a.by.file, b.by.file), cmp.Compare(a.by.first, b.by.first))
	})
	return out, nil
}

// recordAt returns the key hash and key of the record at off, and where
// the next record starts.
func recordAt(data []byte, off int) (columnar.Key, []byte, int, error) {
	if off+runRecordSize > len(data) {
		return columnar.Key{}, nil, 0, fmt.Errorf("run log: record cut short at byte %d", off)
	}
	e := binary.LittleEndian
	head := data[off : off+runRecordSize]
	end := off + runRecordSize + int(e.Uint16(head[runRecordSize-2:]))
	if end > len(data) {
		return columnar.Key{}, nil, 0, fmt.Errorf("run log: key cut short at byte %d", off)
	}
	return columnar.Key{Hi: e.Uint64(head[0:]), Lo: e.Uint64(head[8:])}, data[off+runRecordSize : end], end, nil
}

// runAt decodes the run of the record at off.
func runAt(data []byte, off int) runRef {
	e := binary.LittleEndian
	h := data[off:]
	return runRef{
		file: int32(e.Uint32(h[16:])), first: int64(e.Uint64(h[20:])), last: int64(e.Uint64(h[28:])),
		month: int32(e.Uint32(h[36:])), rows: int32(e.Uint32(h[40:])), outcome: h[44] &^ heldBit,
		held: h[44]&heldBit != 0,
	}
}

// close removes the spill files.
func (l *runLog) close() {
	for b, f := range l.files {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
			l.files[b], l.bufs[b] = nil, nil
		}
	}
}
