package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/bench"
	"ingot/validate"
)

// TestSupersededCopiesNeverWritten imports a file sent three times, as
// one file and as three: the tables and events are those of one copy
// (the last), the earlier copies held back are skipped without being
// written, what was written before the first repeat (the first copy) is
// removed whole, and no data file is reread and rewritten. At every batch
// size.
func TestSupersededCopiesNeverWritten(t *testing.T) {
	dir := t.TempDir()
	var gen bytes.Buffer
	_, err := bench.GenerateOrders(&gen, bench.GenOptions{Orders: 400, Defects: 0.02, Seed: 5})
	require.NoError(t, err)
	header, body, _ := strings.Cut(gen.String(), "\n")
	header += "\n"
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o666))
		return p
	}
	one := write("one.csv", header+body)
	three := write("three.csv", header+body+body+body)
	copies := []string{write("a.csv", header+body), write("b.csv", header+body), write("c.csv", header+body)}

	type result struct {
		orders, items [][]string
		events        []string
	}
	load := func(dest string) result {
		var ev []string
		for _, e := range events(t, dest, 1) {
			ev = append(ev, fmt.Sprint(e["type"], " ", e["key"], " ", e["payload"].(map[string]any)["fingerprint"]))
		}
		slices.Sort(ev)
		return result{
			orders: sqlRows(t, dest, `SELECT order_id, fingerprint, created_month FROM orders ORDER BY ALL`),
			items:  sqlRows(t, dest, `SELECT order_id, line_no, sku, status, quantity FROM line_items ORDER BY ALL`),
			events: ev,
		}
	}
	refRep := importJSON(t, 0, one, "--dest", filepath.Join(dir, "wh-one"))
	ref := load(filepath.Join(dir, "wh-one"))
	require.Positive(t, refRep.Counts.Rejected)

	for name, srcs := range map[string][]string{"one file": {three}, "three files": copies} {
		for _, batch := range []string{"3", "1000"} {
			t.Run(name+"/batch="+batch, func(t *testing.T) {
				dest := filepath.Join(dir, "wh-"+strings.ReplaceAll(name, " ", "-")+"-"+batch)
				args := append([]string{"import", "orders", "--json", "--log-format", "json", "--log-level", "debug",
					"--dest", dest, "--batch-rows", batch}, srcs...)
				code, out, errs := cli(t, args...)
				require.Equal(t, 0, code, errs)
				var rep validate.Report
				require.NoError(t, json.Unmarshal([]byte(out), &rep))
				require.NoError(t, rep.Counts.Check())
				require.Equal(t, refRep.Counts.Added, rep.Counts.Added)
				require.Equal(t, refRep.Counts.RowsCommitted, rep.Counts.RowsCommitted)
				require.Equal(t, 2*refRep.Counts.Records, rep.Counts.Superseded)
				require.Equal(t, ref, load(dest), "the tables and events of one copy")

				// What the pipeline did with the superseded rows.
				var took map[string]any
				sc := bufio.NewScanner(strings.NewReader(errs))
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					var m map[string]any
					if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "superseded rows taken out" {
						took = m
					}
				}
				require.NotNil(t, took, "the pipeline logs how it took superseded rows out: %s", errs)
				require.EqualValues(t, 0, took["parts_rewritten"], "no data file is reread and rewritten")
				require.Positive(t, took["parts_removed"], "the first copy, written before the first repeat, is removed whole")
				held, skipped := took["held_rows"].(float64), took["held_rows_skipped"].(float64)
				require.Equal(t, float64(refRep.Counts.RowsCommitted+refRep.Counts.Valid), held-skipped,
					"of the held rows, only the last copy's orders and line items are written")
			})
		}
	}
}
