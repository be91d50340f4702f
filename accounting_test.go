package ingot

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"ingot/internal/shareddata"
	"ingot/validate"
)

// accountingSample is the share of ../shared/corpora files the row
// accounting harness imports in a normal run: one in accountingSample,
// picked by a hash of the path (the same files every run). The real files
// of ../shared/realdata are always all imported; INGOT_SOAK=1 imports
// every corpus file too.
const accountingSample = 8

// accountingTimeout is how long one import of one small file may take
// before the harness calls it hung. The files are at most a few MB; on an
// idle machine each takes well under a second.
const accountingTimeout = 60 * time.Second

// TestRowAccounting imports every file of ../shared/realdata (committing,
// into a fresh warehouse each) and a fixed sample of ../shared/corpora
// (dry runs) with each registered format of its shape (the CSV formats
// for everything but .json files, the JSON formats for those) and, for
// the CSV files, as customers and products keyed by their first column,
// so that files of no known format have their rows read too. Each import
// must end (data, rejects or a clean failure) within accountingTimeout
// without crashing the process, and then:
//
//   - rows read = committed + rejected + superseded + failed, overall
//     (validate.Counts.Check) and as the sum of the files' rows;
//   - every reject names the file, a line ≥ 2 (after the header) or 1, a
//     byte offset, a code and its raw value, truncated to
//     validate.MaxQuotedValueBytes plus the "…(N bytes)" note; a rejected
//     record has at least one reject;
//   - on an uncompressed UTF-8 file, a reject's byte offset is the start
//     of its line.
func TestRowAccounting(t *testing.T) {
	root := shareddata.Dir()
	if root == "" {
		t.Skip("no shared folder (../shared or $INGOT_SHARED): no corpora to run")
	}
	soak := os.Getenv("INGOT_SOAK") != ""
	type job struct {
		path   string
		commit bool
	}
	var jobs []job
	for _, sub := range []string{"realdata", "corpora"} {
		err := filepath.WalkDir(filepath.Join(root, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := strings.ToLower(d.Name())
			if strings.HasSuffix(name, ".md") || strings.HasPrefix(name, "license") || strings.HasPrefix(name, ".") {
				return nil // the corpora's notes, not data
			}
			if sub == "corpora" && !soak {
				h := fnv.New32a()
				h.Write([]byte(strings.TrimPrefix(p, root)))
				if h.Sum32()%accountingSample != 0 {
					return nil
				}
			}
			jobs = append(jobs, job{path: p, commit: sub == "realdata"})
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		require.NoError(t, err)
	}
	if len(jobs) == 0 {
		t.Skip("the shared folder holds no realdata or corpora")
	}

	start := time.Now()
	var files, imports, failedImports, rejects, rejectsNoColumn int
	var rows, slowest int64
	var slowestFile string
	for _, j := range jobs {
		files++
		isJSON := strings.HasSuffix(strings.ToLower(j.path), ".json")
		var opts []ImportOptions
		for _, f := range Formats() {
			if strings.Contains(f.Name, "json") != isJSON {
				continue
			}
			opts = append(opts, ImportOptions{Kind: f.Kind, Format: f.Name})
		}
		// Most files have the columns of no format: the formats above fail
		// them at the header. So that their rows are read, validated and
		// accounted for too, every CSV the sniffer makes out is also
		// imported as customers and as products keyed by its first column
		// (dialect and encoding detected, as for a user's export).
		if !isJSON {
			if sn, err := Sniff(context.Background(), SniffOptions{Sources: []string{j.path}}); err == nil && len(sn) == 1 &&
				sn[0].Syntax == "csv" && len(sn[0].Columns) > 0 && sn[0].Columns[0].Name != "" {
				first := sn[0].Columns[0].Name
				opts = append(opts,
					ImportOptions{Kind: KindCustomers, Format: "csv", UserIDColumn: first, UserIDType: "row_key"},
					ImportOptions{Kind: KindProducts, Format: "csv", KeyColumn: first})
			}
		}
		for _, opt := range opts {
			imports++
			opt.Sources, opt.ReportDir, opt.DryRun = []string{j.path}, t.TempDir(), !j.commit
			opt.Dest, opt.MaxRejected, opt.Workers = filepath.Join(t.TempDir(), "wh"), "none", 2
			what := opt.Kind + " " + opt.Format + " " + strings.TrimPrefix(j.path, root)
			ctx, cancel := context.WithTimeout(context.Background(), accountingTimeout)
			t0 := time.Now()
			rep, err := Import(ctx, opt)
			took := time.Since(t0)
			hung := ctx.Err() != nil
			cancel()
			require.False(t, hung, "%s: still running after %s", what, accountingTimeout)
			if took.Milliseconds() > slowest {
				slowest, slowestFile = took.Milliseconds(), what
			}
			var ue *UsageError
			require.False(t, errors.As(err, &ue), "%s: %v", what, err)
			require.NotNil(t, rep, "%s: no report: %v", what, err)
			if err != nil {
				failedImports++
				if os.Getenv("INGOT_ACCOUNTING_VERBOSE") != "" {
					t.Logf("%s: %v", what, err)
				}
			}
			c := rep.Counts
			require.NoError(t, c.Check(), "%s: rows read = committed + rejected + superseded + failed", what)
			var fileRows int64
			for _, fr := range rep.Files {
				fileRows += fr.Rows
			}
			require.Equal(t, c.Rows, fileRows, "%s: the files' rows add up to the rows read", what)
			rows += c.Rows

			rs := readRejects(t, filepath.Join(opt.ReportDir, validate.RejectsJSON))
			require.GreaterOrEqual(t, int64(len(rs)), c.Rejected, "%s: every rejected record has a reject", what)
			raw, _ := os.ReadFile(j.path)
			lineStarts := utf8.Valid(raw) && !strings.HasPrefix(string(raw), "\uFEFF") && len(rep.Files) == 1 &&
				rep.Files[0].Compression == "none"
			for _, r := range rs {
				rejects++
				require.Equal(t, j.path, r.File, "%s: the reject names its file", what)
				require.GreaterOrEqual(t, r.Line, int64(1), "%s: line", what)
				require.GreaterOrEqual(t, r.ByteOffset, int64(0), "%s: byte offset", what)
				require.NotEmpty(t, r.Code, "%s: code", what)
				if r.Column == "" {
					rejectsNoColumn++ // a whole-row issue (field count, JSON syntax)
				}
				v := r.Value
				if r.ValueBase64 != nil {
					v = string(r.ValueBase64)
				}
				require.LessOrEqual(t, len(v), validate.MaxQuotedValueBytes+len("…(9999999999 bytes)"), "%s: the value is truncated", what)
				if lineStarts && r.ByteOffset > 0 && r.ByteOffset <= int64(len(raw)) {
					// A line ends in \n, \r\n, or a lone \r (old Mac files, as in csvw's manifest.csv).
					prev := raw[r.ByteOffset-1]
					lone := prev == '\r' && (r.ByteOffset == int64(len(raw)) || raw[r.ByteOffset] != '\n')
					require.True(t, prev == '\n' || lone, "%s: the reject on line %d at byte %d starts a line", what, r.Line, r.ByteOffset)
				}
			}
		}
	}
	t.Logf("row accounting: %d files (%d imports, %d failed cleanly), %d rows, %d rejects (%d of whole rows), in %s; slowest %d ms (%s)",
		files, imports, failedImports, rows, rejects, rejectsNoColumn, time.Since(start).Round(time.Second), slowest, slowestFile)
}

// rejectLine is a reject as rejects.json has it.
type rejectLine struct {
	File        string `json:"file"`
	Line        int64  `json:"line"`
	RecordID    string `json:"record_id"`
	Column      string `json:"column"`
	Code        string `json:"code"`
	Message     string `json:"message"`
	Value       string `json:"value"`
	ValueBase64 []byte `json:"value_base64"`
	ByteOffset  int64  `json:"byte_offset"`
}

// readRejects reads a rejects.json; a missing file holds no rejects.
func readRejects(t *testing.T, path string) []rejectLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var out []rejectLine
	require.NoError(t, json.Unmarshal(b, &out), path)
	return out
}
