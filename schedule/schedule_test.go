package schedule

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recorder keeps every recorded state change.
type recorder struct {
	mu   sync.Mutex
	runs []Run
}

func (r *recorder) record(run Run) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, run)
	return nil
}

func (r *recorder) statuses() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, run := range r.runs {
		out = append(out, run.Status)
	}
	return out
}

func TestParse(t *testing.T) {
	for _, ok := range []string{"0 3 * * *", "@daily", "@hourly", "@every 2s", "*/5 * * * 1-5"} {
		_, err := Parse(ok)
		require.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "0 3 * *", "61 * * * *", "@sometimes", "0 0 3 * * *"} {
		_, err := Parse(bad)
		require.Error(t, err, bad)
		require.ErrorContains(t, err, "expected five fields")
	}
}

func TestOneRun(t *testing.T) {
	rec := &recorder{}
	err := Loop(context.Background(), Options{Spec: "@every 1s", Record: rec.record, MaxRuns: 1},
		func(ctx context.Context, run *Run) error {
			run.Version = 7
			return nil
		})
	require.NoError(t, err)
	require.Equal(t, []string{Queued, InProgress, Completed}, rec.statuses())
	last := rec.runs[2]
	require.Equal(t, int64(7), last.Version)
	require.False(t, last.StartedAt.Before(last.ScheduledAt))
	require.False(t, last.FinishedAt.Before(last.StartedAt))
	require.Equal(t, time.UTC, last.ScheduledAt.Location())
}

// TestOverlapSkipped: occurrences while a run is still going are skipped
// and recorded as such, not queued.
func TestOverlapSkipped(t *testing.T) {
	rec := &recorder{}
	err := Loop(context.Background(), Options{Spec: "@every 1s", Record: rec.record, MaxRuns: 1},
		func(ctx context.Context, run *Run) error {
			time.Sleep(2500 * time.Millisecond)
			return errors.New("boom")
		})
	require.NoError(t, err)
	st := rec.statuses()
	require.Equal(t, []string{Queued, InProgress}, st[:2])
	require.Equal(t, Failed, st[len(st)-1])
	skipped := 0
	for _, s := range st {
		if s == Skipped {
			skipped++
		}
	}
	require.GreaterOrEqual(t, skipped, 1, "%v", st)
	require.Equal(t, "boom", rec.runs[len(rec.runs)-1].Error)
}

// TestStopWaitsForRun: stopping the schedule lets the run in progress
// finish; cancelling RunContext abandons it.
func TestStopWaitsForRun(t *testing.T) {
	for _, abandon := range []bool{false, true} {
		rec := &recorder{}
		ctx, stop := context.WithCancel(context.Background())
		runCtx, cancelRuns := context.WithCancel(context.Background())
		started := make(chan struct{})
		go func() {
			<-started
			stop()
			if abandon {
				cancelRuns()
			}
		}()
		err := Loop(ctx, Options{Spec: "@every 1s", Record: rec.record, RunContext: runCtx},
			func(ctx context.Context, run *Run) error {
				close(started)
				select {
				case <-time.After(700 * time.Millisecond):
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		cancelRuns()
		require.NoError(t, err)
		want := Completed
		if abandon {
			want = Cancelled
		}
		require.Equal(t, []string{Queued, InProgress, want}, rec.statuses())
	}
}

func TestBadSpec(t *testing.T) {
	err := Loop(context.Background(), Options{Spec: "every day"}, func(context.Context, *Run) error { return nil })
	require.ErrorContains(t, err, `schedule "every day"`)
}
