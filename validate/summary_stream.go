package validate

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// chanReader is an array.RecordReader fed through a channel. DuckDB calls
// Next from its own threads (one at a time: its Arrow scan holds a lock
// around get_next); the mutex makes that safe from any thread anyway.
// Next returns false at the end of the channel, or with an error when the
// Summariser is cancelled, so a query never waits for a producer that
// has gone.
type chanReader struct {
	schema  *arrow.Schema
	ch      <-chan arrow.RecordBatch
	observe func(arrow.RecordBatch) // called with every record before DuckDB sees it
	ctx     context.Context         // the Summariser's; nil means never cancelled

	mu   sync.Mutex
	refs int64
	cur  arrow.RecordBatch
	err  error
	eof  bool
}

var _ array.RecordReader = (*chanReader)(nil)

func (r *chanReader) Retain() {
	r.mu.Lock()
	r.refs++
	r.mu.Unlock()
}

func (r *chanReader) Release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refs <= 0 {
		return
	}
	r.refs--
	if r.refs == 0 && r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *chanReader) Schema() *arrow.Schema { return r.schema }

func (r *chanReader) Next() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.eof || r.err != nil || r.refs <= 0 {
		return false
	}
	var done <-chan struct{}
	if r.ctx != nil {
		done = r.ctx.Done()
	}
	select {
	case rec, ok := <-r.ch:
		if !ok {
			r.eof = true
			return false
		}
		if r.observe != nil {
			r.observe(rec)
		}
		r.cur = rec
		return true
	case <-done:
		r.err = fmt.Errorf("summary stream cancelled: %w", r.ctx.Err())
		return false
	}
}

func (r *chanReader) RecordBatch() arrow.RecordBatch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// Record is RecordBatch under its deprecated name.
func (r *chanReader) Record() arrow.RecordBatch { return r.RecordBatch() }

func (r *chanReader) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
