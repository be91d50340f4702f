package ingot_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot"
	"ingot/bench"
	"ingot/commit"
	"ingot/schema"
	"ingot/validate"
)

// TestChartsNonSequential checks the charts of a small file in which
// order A-1 comes back after other orders: the months count each valid
// order once, in the month of its creation in UTC; the histogram counts
// the superseded run too and says so.
func TestChartsNonSequential(t *testing.T) {
	for _, dry := range []bool{false, true} {
		t.Run(map[bool]string{false: "commit", true: "dry run"}[dry], func(t *testing.T) {
			rep, err := ingot.Import(context.Background(), ingot.ImportOptions{Kind: ingot.KindOrders, Format: "kevel-csv",
				Sources: []string{filepath.Join("testdata", "kevel", "nonseq.csv")}, Dest: t.TempDir(), ReportDir: t.TempDir(), DryRun: dry})
			require.NoError(t, err)
			require.NotNil(t, rep.Charts)
			require.Equal(t, []validate.MonthCount{
				{Month: "2020-09", Records: 1, Changed: 1},
				{Month: "2021-02", Records: 1, Changed: 1}, // 2021-01-31T23:30:00-0100
				{Month: "2022-12", Records: 1, Changed: 1},
			}, rep.Charts.RecordsPerMonth)
			h := rep.Charts.TotalsHistogram
			require.NotNil(t, h)
			require.Equal(t, int64(4), h.Count)
			require.Equal(t, int64(1), h.Superseded)
			require.Equal(t, rep.Counts.Valid, h.Count-h.Superseded)
			var got []int64
			for _, b := range h.Bins {
				got = append(got, b.Count)
			}
			// 5.99 | 10 | 30.50 twice
			require.Equal(t, []int64{1, 1, 2}, got)
			require.Equal(t, 5.0, *h.Bins[0].Lo)
			require.Equal(t, 50.0, *h.Bins[2].Hi)
		})
	}
}

// TestChartsMatchCommit imports generated orders with defects and repeats,
// then re-imports a changed file: the records per month must be the row
// counts of the orders partitions the manifests name (the changed ones)
// and add up to the valid records.
func TestChartsMatchCommit(t *testing.T) {
	ctx := context.Background()
	dir, dest := t.TempDir(), t.TempDir()
	gen := func(name string, seed int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		require.NoError(t, err)
		_, err = bench.GenerateOrders(f, bench.GenOptions{Orders: 3000, Defects: 0.02, Repeats: 0.02, Seed: seed})
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return p
	}
	a := gen("a.csv", 1)
	for i, src := range []string{a, gen("b.csv", 2), a} {
		rep, err := ingot.Import(ctx, ingot.ImportOptions{Kind: ingot.KindOrders, Format: "kevel-csv", Sources: []string{src},
			Dest: dest, ReportDir: t.TempDir(), Force: true}) // Force: a is read again, not skipped as committed
		require.NoError(t, err)
		require.NotNil(t, rep.Charts)
		require.NotZero(t, rep.Counts.Superseded)
		var records, changed int64
		perMonth := map[string]int64{}
		for _, m := range rep.Charts.RecordsPerMonth {
			records += m.Records
			changed += m.Changed
			perMonth[m.Month] = m.Changed
		}
		require.Equal(t, rep.Counts.Valid, records, "import %d", i)
		require.Equal(t, rep.Counts.Added+rep.Counts.Updated, changed, "import %d", i)
		h := rep.Charts.TotalsHistogram
		require.Equal(t, rep.Counts.Valid, h.Count-h.Superseded, "import %d", i)

		st, err := commit.OpenLocal(dest)
		require.NoError(t, err)
		log, err := commit.ReadLog(ctx, st)
		require.NoError(t, err)
		committed := map[string]int64{}
		for _, m := range log {
			if m.ImportID != rep.ImportID {
				continue // an import that changes nothing commits no version
			}
			for _, f := range m.Files {
				if f.Table == schema.Orders {
					committed[f.Partition] += f.Rows
				}
			}
		}
		for m, n := range perMonth {
			if n == 0 {
				delete(perMonth, m)
			}
		}
		require.Equal(t, committed, perMonth, "import %d", i)
	}
}
