package pipeline

import (
	"fmt"
	"io"
	"sync"
	"time"

	"ingot/internal/textfmt"
)

// Phases of an import, in the order Progress reports them. Reading covers
// read → validate → group → write, which overlap; the others follow one
// another once every file has been read.
const (
	PhaseRead         = "read"         // the stages stream the sources
	PhaseSummary      = "summary"      // DuckDB finishes the column statistics
	PhaseSupersession = "supersession" // rows of superseded orders are taken out
	PhaseCommit       = "commit"       // the event segment, then the manifest
	PhaseReport       = "report"       // rejects and report.json are written
	PhaseDone         = "done"         // the import has ended, however it ended
)

// Progress is what an import tells its observer (Options.OnProgress):
// once when a phase starts, and after every batch read while reading.
// Calls come from the import's goroutines, one at a time.
type Progress struct {
	// Phase is one of the Phase constants.
	Phase string
	// Rows and Bytes read so far (Bytes as stored: compressed bytes for a
	// compressed source), and TotalBytes the size of every source, 0 when
	// unknown.
	Rows, Bytes, TotalBytes int64
	// Elapsed is the time since the import started.
	Elapsed time.Duration
}

// LineProgress returns an observer for a log or a pipe: a line when a
// phase starts, and while reading one line at most every `every` (default
// 10 s) with rows, MB, percent of the input when its size is known, and
// rates.
func LineProgress(w io.Writer, every time.Duration) func(Progress) {
	if every <= 0 {
		every = 10 * time.Second
	}
	var (
		mu   sync.Mutex
		last time.Duration
	)
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Phase == PhaseRead {
			if p.Elapsed-last < every {
				return
			}
			last = p.Elapsed
			fmt.Fprintf(w, "ingot: %s\n", ReadLine(p))
			return
		}
		if p.Phase == PhaseDone {
			return
		}
		fmt.Fprintf(w, "ingot: %s\n", PhaseLine(p))
	}
}

// ReadLine renders reading progress: rows, MB read (and the percent of
// the input), rows/s and MB/s.
func ReadLine(p Progress) string {
	el := max(p.Elapsed.Seconds(), 1e-3)
	pct := ""
	if p.TotalBytes > 0 {
		pct = fmt.Sprintf(" of %.1f MB (%.0f%%)", float64(p.TotalBytes)/1e6, min(100, float64(p.Bytes)*100/float64(p.TotalBytes)))
	}
	return fmt.Sprintf("%s rows, %.1f MB read%s, %s rows/s, %.1f MB/s", textfmt.Thousands(p.Rows), float64(p.Bytes)/1e6, pct,
		textfmt.Thousands(int64(float64(p.Rows)/el)), float64(p.Bytes)/1e6/el)
}

// PhaseLine says which phase an import has reached, for a person.
func PhaseLine(p Progress) string {
	switch p.Phase {
	case PhaseSummary:
		return fmt.Sprintf("read %s rows; computing column statistics", textfmt.Thousands(p.Rows))
	case PhaseSupersession:
		return "taking out orders superseded by a later run of the same order"
	case PhaseCommit:
		return "committing"
	case PhaseReport:
		return "writing the report and the rejects"
	}
	return p.Phase
}
