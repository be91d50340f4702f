package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"ingot"
	"ingot/internal/textfmt"
	"ingot/pipeline"
)

// progressFor returns the import's progress observer for stderr: a bar on
// a terminal, a line at most every 10 s (and one per phase) otherwise,
// nothing with --quiet. wait, called when the import has returned,
// lets the bar draw its last state.
func progressFor(w io.Writer, quiet bool) (observe func(ingot.Progress), wait func()) {
	switch {
	case quiet:
		return nil, func() {}
	case isTerminal(w):
		b := &barProgress{w: w}
		return b.observe, b.wait
	}
	return pipeline.LineProgress(w, 10*time.Second), func() {}
}

// barProgress draws the reading as an mpb bar — bytes and percent of the
// input's known size, rows, rows/s, MB/s and ETA — then a line for each
// phase after reading, so the screen never sits still.
type barProgress struct {
	w     io.Writer
	mu    sync.Mutex
	p     *mpb.Progress
	bar   *mpb.Bar
	rows  atomic.Int64
	start time.Time
	ended bool // the bar is finished (completed or aborted)
}

func (b *barProgress) observe(p ingot.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.Phase == ingot.PhaseRead {
		if b.ended {
			return
		}
		if b.bar == nil {
			b.start = time.Now().Add(-p.Elapsed)
			b.p = mpb.New(mpb.WithOutput(b.w), mpb.WithWidth(80), mpb.WithRefreshRate(200*time.Millisecond))
			total := p.TotalBytes
			if total <= 0 {
				total = 0 // unknown: the bar grows with what was read
			}
			b.bar = b.p.New(total, mpb.BarStyle().Lbound("[").Rbound("]"),
				mpb.PrependDecorators(
					decor.Name("reading "),
					decor.CountersKiloByte("% .1f / % .1f", decor.WCSyncSpace),
				),
				mpb.AppendDecorators(
					decor.Percentage(decor.WCSyncSpace),
					decor.Any(func(decor.Statistics) string {
						rows := b.rows.Load()
						el := max(time.Since(b.start).Seconds(), 1e-3)
						return fmt.Sprintf("%s rows, %s rows/s", textfmt.Thousands(rows), textfmt.Thousands(int64(float64(rows)/el)))
					}, decor.WCSyncSpace),
					decor.AverageSpeed(decor.SizeB1000(0), "% .1f", decor.WCSyncSpace),
					decor.Name(" ETA "),
					decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done"),
				),
			)
		}
		b.rows.Store(p.Rows)
		if p.TotalBytes <= 0 || p.Bytes > p.TotalBytes {
			b.bar.SetTotal(p.Bytes+1, false)
		}
		b.bar.SetCurrent(p.Bytes)
		return
	}
	b.finishBar(p)
	if p.Phase != ingot.PhaseDone {
		fmt.Fprintf(b.w, "ingot: %s\n", pipeline.PhaseLine(p))
	}
}

// finishBar completes the bar when reading went through, aborts it when
// the import ended early, and waits until it is drawn for the last time.
func (b *barProgress) finishBar(p ingot.Progress) {
	if b.ended || b.bar == nil {
		b.ended = true
		return
	}
	b.ended = true
	b.rows.Store(p.Rows)
	if p.Phase == ingot.PhaseDone {
		b.bar.Abort(false)
	} else {
		b.bar.SetTotal(p.Bytes, true)
	}
	b.p.Wait()
}

func (b *barProgress) wait() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finishBar(ingot.Progress{Phase: ingot.PhaseDone, Rows: b.rows.Load()})
}
