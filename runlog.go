package ingot

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
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
	rec = append(rec, r.outcome)
	rec = e.AppendUint16(rec, uint16(len(key)))
	rec = append(rec, key...)
	l.rec = rec
	if _, err := l.bufs[b].Write(rec); err != nil {
		l.err = fmt.Errorf("run log: %w", err)
	}
}

// spilled is a run read back from the log.
type spilled struct {
	hi, lo uint64
	seq    int
	key    string
	run    runRef
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
		runs, err := readRuns(bufio.NewReaderSize(l.files[b], 64<<10))
		if err != nil {
			return nil, err
		}
		// The latest run of each key so far: a hash table, not a sort, as
		// nearly every key has one run. Keys are compared as strings too,
		// so even a hash collision cannot pair two orders.
		var last columnar.KeyMap[int32]
		for i := range runs {
			r := &runs[i]
			k := columnar.Key{Hi: r.hi, Lo: r.lo}
			prev, seen := last.Put(k, int32(i))
			if seen && runs[prev].key == r.key {
				out = append(out, supersession{key: r.key, prev: runs[prev].run, by: r.run})
			} else if seen {
				last.Put(k, prev) // a collision: keep the first key's chain
			}
		}
	}
	// Put the pairs back in import order of the later run.
	slices.SortStableFunc(out, func(a, b supersession) int {
		return cmp.Or(cmp.Compare(a.by.file, b.by.file), cmp.Compare(a.by.first, b.by.first))
	})
	return out, nil
}

func readRuns(r io.Reader) ([]spilled, error) {
	var runs []spilled
	e := binary.LittleEndian
	head := make([]byte, runRecordSize)
	for seq := 0; ; seq++ {
		if _, err := io.ReadFull(r, head); err != nil {
			if errors.Is(err, io.EOF) {
				return runs, nil
			}
			return nil, fmt.Errorf("run log: %w", err)
		}
		key := make([]byte, e.Uint16(head[runRecordSize-2:]))
		if _, err := io.ReadFull(r, key); err != nil {
			return nil, fmt.Errorf("run log: %w", err)
		}
		runs = append(runs, spilled{
			hi: e.Uint64(head[0:]), lo: e.Uint64(head[8:]), seq: seq, key: string(key),
			run: runRef{
				file: int32(e.Uint32(head[16:])), first: int64(e.Uint64(head[20:])), last: int64(e.Uint64(head[28:])),
				month: int32(e.Uint32(head[36:])), rows: int32(e.Uint32(head[40:])), outcome: head[44],
			},
		})
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
