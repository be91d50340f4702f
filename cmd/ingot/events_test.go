package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/validate"
)

func eventsFixture(dir, name string) string { return filepath.Join("..", "..", "testdata", dir, name) }

// importEvents imports srcs as events of format into dest and returns the
// report and the rejects; the exit code must be wantCode.
func importEvents(t *testing.T, wantCode int, format, dest string, srcs []string, more ...string) (*validate.Report, []reject) {
	t.Helper()
	reports := t.TempDir()
	args := append([]string{"import", "events"}, srcs...)
	args = append(args, "--format", format, "--dest", dest, "--report-dir", reports, "--json", "--quiet", "--max-rejected", "none")
	code, out, errs := cli(t, append(args, more...)...)
	require.Equal(t, wantCode, code, "stderr: %s", errs)
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	require.NoError(t, r.Counts.Check())
	var rejects []reject
	if b, err := os.ReadFile(filepath.Join(reports, "rejects.json")); err == nil {
		require.NoError(t, json.Unmarshal(b, &rejects))
	}
	return &r, rejects
}

type reject struct {
	File     string `json:"file"`
	Line     int64  `json:"line"`
	RecordID string `json:"record_id"`
	Column   string `json:"column"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

// zipFile writes a zip archive at path holding one file named entry with
// the content of src.
func zipFile(t *testing.T, path, entry, src string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	f, err := os.Create(path)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	w, err := zw.Create(entry)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
}

const eventsColumns = `event, user_id_type, user_id, strftime(occurred_at, '%Y-%m-%dT%H:%M:%SZ'), properties, event_key, event_date`

const eventsQuery = `SELECT ` + eventsColumns + ` FROM events ORDER BY ALL`

// A CrossEngage import of three zips of which two break the rules (one
// holds a file named otherwise, one is named otherwise): those two fail
// with the reason, the third is committed, exit 3; again, nothing is
// added. Files are read in the order of the timestamps in their names,
// whatever order they were given in, the misnamed one last.
func TestCrossEngageZips(t *testing.T) {
	dir, dest := t.TempDir(), t.TempDir()
	good := eventsFixture("crossengage", "event_history_20201001120000.json")
	paths := []string{
		filepath.Join(dir, "history_20201002.json.zip"),
		filepath.Join(dir, "event_history_20201003120000.json.zip"),
		filepath.Join(dir, "event_history_20201001120000.json.zip"),
	}
	zipFile(t, paths[0], "history_20201002.json", good)
	zipFile(t, paths[1], "events.json", good)
	zipFile(t, paths[2], "event_history_20201001120000.json", good)

	r, rejects := importEvents(t, 3, "crossengage-json", dest, paths)
	require.Empty(t, rejects)
	require.Equal(t, validate.StatusCompletedWithFailures, r.Status)
	var order, status []string
	for _, f := range r.Files {
		order = append(order, filepath.Base(f.URI))
		status = append(status, f.Status)
	}
	require.Equal(t, []string{"event_history_20201001120000.json.zip", "event_history_20201003120000.json.zip", "history_20201002.json.zip"}, order)
	require.Equal(t, []string{validate.FileOK, validate.FileFailed, validate.FileFailed}, status)
	require.Contains(t, r.Files[1].Error, `to hold one file named "event_history_20201003120000.json", found "events.json"`)
	require.Contains(t, r.Files[2].Error, `named event_history_YYYYMMDDHHMMSS.json or .json.zip, found "history_20201002.json.zip"`)
	require.Equal(t, int64(5), r.Counts.Added)
	require.Equal(t, int64(5), r.Counts.Rows) // the failed files were refused before any row was read

	rows := sqlRows(t, dest, eventsQuery)
	require.Len(t, rows, 5)
	require.Equal(t, []string{"cartAbandoned", "external_id", "c-100977", "2020-10-01T07:40:02Z",
		`{"cartValue":89.95,"currency":"EUR","itemCount":1,"timestamp":"2020-10-01T07:40:02Z"}`}, rows[0][:5])
	// The e-mail user: normalised, businessUnit kept as a property, the
	// time converted to UTC, numbers as written.
	i := slices.IndexFunc(rows, func(r []string) bool { return r[2] == "jörg.müller@example.de" })
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, []string{"orderCompleted", "email", "jörg.müller@example.de", "2020-10-01T09:58:59Z"}, rows[i][:4])
	require.Contains(t, rows[i][4], `"businessUnit":"at"`)
	require.Contains(t, rows[i][4], `"loyaltyId":12345678901234567890`)
	require.Equal(t, "2020-10-01", rows[i][6])

	// The event log: one line per event, typed by the feed's event name.
	ev := events(t, dest, 1)
	require.Len(t, ev, 5)
	var types []string
	for _, e := range ev {
		types = append(types, e["type"].(string))
	}
	require.Equal(t, []string{"orderCompleted", "newsletterSubscribed", "productViewed", "cartAbandoned", "orderCompleted"}, types)

	// The views have the same columns and types with and without commits.
	for _, v := range []string{"events", "events_history"} {
		q := "SELECT column_name, column_type FROM (DESCRIBE " + v + ")"
		require.Equal(t, sqlRows(t, t.TempDir(), q), sqlRows(t, dest, q), v)
	}
	require.Contains(t, sqlRows(t, dest, "SELECT column_name, column_type FROM (DESCRIBE events_history)"), []string{"event_date", "VARCHAR"})

	// Again: the good zip is committed already (same sha256) and not read;
	// the broken ones fail again; no new version.
	r, _ = importEvents(t, 3, "crossengage-json", dest, paths)
	require.Equal(t, int64(0), r.Counts.Added)
	var already int
	for _, f := range r.Files {
		if f.Status == validate.FileAlreadyCommitted {
			already++
		}
	}
	require.Equal(t, 1, already, "the committed zip is reported as such")
	require.Len(t, manifests(t, dest), 1)
	// Forced: read and diffed, every event unchanged, still no new version.
	r, _ = importEvents(t, 3, "crossengage-json", dest, paths, "--force")
	require.Equal(t, int64(0), r.Counts.Added)
	require.Equal(t, int64(5), r.Counts.Unchanged)
	require.Len(t, manifests(t, dest), 1)
}

// The CrossEngage example as its documentation publishes it lacks a comma
// between two events: the file fails, naming line and column.
func TestCrossEngageDocumentedExample(t *testing.T) {
	dir, dest := t.TempDir(), t.TempDir()
	data, err := os.ReadFile(eventsFixture("crossengage", "documented-example.json"))
	require.NoError(t, err)
	src := filepath.Join(dir, "event_history_20201001120000.json")
	require.NoError(t, os.WriteFile(src, data, 0o666))
	r, _ := importEvents(t, 1, "crossengage-json", dest, []string{src})
	require.Equal(t, validate.FileFailed, r.Files[0].Status)
	require.Contains(t, r.Files[0].Error, "line 28, column 3")
	require.Contains(t, r.Files[0].Error, "expected ',' or ']' after an array element, found '{'")
	require.Empty(t, manifests(t, dest))
}

// Bad CrossEngage records each reject themselves only, with their reason;
// an event without a timestamp takes its file's export time.
func TestCrossEngageBadRecords(t *testing.T) {
	dest := t.TempDir()
	r, rejects := importEvents(t, 0, "crossengage-json", dest, []string{eventsFixture("crossengage", "event_history_20201002090000.json")})
	var got []string
	for _, rj := range rejects {
		got = append(got, strings.Join([]string{strconv.FormatInt(rj.Line, 10), rj.Column, rj.Code}, " "))
	}
	require.Equal(t, []string{"3 id missing", "4 event wrong_type", "5 businessUnit missing", "6 timestamp bad_timestamp", "7 email invalid_user_id"}, got)
	require.Equal(t, "expected a value for id, or email with businessUnit, found an empty field", rejects[0].Message)
	require.Equal(t, `expected a string, found a number "42"`, rejects[1].Message)
	require.Equal(t, int64(2), r.Counts.Added)
	require.Equal(t, int64(5), r.Counts.Rejected)
	rows := sqlRows(t, dest, eventsQuery)
	require.Len(t, rows, 2)
	require.Equal(t, []string{"cartViewed", "external_id", "c-200004", "2020-10-02T09:00:00Z", `{}`}, rows[0][:5])
	require.Equal(t, []string{"orderCompleted", "external_id", "c-200001", "2020-10-02T09:00:00Z"}, rows[1][:4])
}

// A Related Digital file with and without its header row imports the
// same events; together in one import, the second adds nothing; imported
// again, nothing at all.
func TestRelatedDigitalHeaderOrNot(t *testing.T) {
	plain, header := eventsFixture("related-digital", "purchases.csv"), eventsFixture("related-digital", "purchases-header.csv")
	destA, destB, both := t.TempDir(), t.TempDir(), t.TempDir()
	ra, rj := importEvents(t, 0, "related-digital", destA, []string{plain})
	require.Empty(t, rj)
	rb, rj := importEvents(t, 0, "related-digital", destB, []string{header})
	require.Empty(t, rj)
	require.Equal(t, int64(4), ra.Counts.Added)
	require.Equal(t, ra.Counts.Added, rb.Counts.Added)
	a, b := sqlRows(t, destA, eventsQuery), sqlRows(t, destB, eventsQuery)
	require.Equal(t, a, b)
	require.Equal(t, []string{"3", "customer_id", "C1001", "2014-05-26T08:00:00Z",
		`{"category":"SHOES","event_name":"SKU-4711","event_type":"3","num1":1,"num2":89.95,"var1":"Berlin"}`}, a[0][:5])
	p := slices.IndexFunc(a, func(r []string) bool { return r[2] == "C1002" })
	require.Equal(t, []string{"purchase", "customer_id", "C1002", "2014-05-25T13:01:02Z",
		`{"attr1":"\"Merino; wool\" Socks","attr2":"Nordkap","category":"SOCKS","event_name":"SKU-0815","event_type":"7","num1":3,"num2":59.85,"transaction_attributes":["P-9002"],"var1":"Hamburg","var2":"BU-DE"}`,
	}, a[p][:5])
	p = slices.IndexFunc(a, func(r []string) bool { return r[2] == "C1001" && r[0] == "purchase" })
	require.Contains(t, a[p][4], `"transaction_attributes":["P-9001","coupon=SUMMER","gift"]`)
	require.Equal(t, "2014-05-25", a[p][6])

	r, _ := importEvents(t, 0, "related-digital", both, []string{header, plain})
	require.Equal(t, int64(4), r.Counts.Added)
	require.Equal(t, int64(4), r.Counts.Unchanged)
	require.Equal(t, a, sqlRows(t, both, eventsQuery))
	r, _ = importEvents(t, 0, "related-digital", both, []string{plain, header})
	require.Equal(t, int64(0), r.Counts.Added)
	require.Len(t, manifests(t, both), 1)
}

// Bad Related Digital rows: too few positional columns, a number that is
// not one, a missing customer id, a timestamp of another form; each
// rejects its row only.
func TestRelatedDigitalBadRows(t *testing.T) {
	dest := t.TempDir()
	r, rejects := importEvents(t, 0, "related-digital", dest, []string{eventsFixture("related-digital", "bad-rows.csv")})
	var got []string
	for _, rj := range rejects {
		got = append(got, strings.Join([]string{strconv.FormatInt(rj.Line, 10), rj.Column, rj.Code, rj.Message}, "|"))
	}
	require.Equal(t, []string{
		"1||field_count|expected 22 fields, found 7",
		`2|num1|not_a_number|expected a decimal number, found "two"`,
		"3|customer_id|missing|expected a value for customer_id, found an empty field",
		`4|timestamp|bad_timestamp|expected an ISO-8601 date-time with a time zone, found "27.05.2014 10:15"`,
	}, got)
	require.Equal(t, int64(1), r.Counts.Added)
	require.Equal(t, [][]string{{"C1007"}}, sqlRows(t, dest, "SELECT user_id FROM events"))
}

// JSON Lines events: a bad line is one rejected record, a number where
// the event name should be rejects its record, an event given twice is
// imported once, eventId keys an event so that changed content updates
// it.
func TestEventsJSONL(t *testing.T) {
	dest := t.TempDir()
	src := eventsFixture("events-jsonl", "events.jsonl")
	r, rejects := importEvents(t, 0, "jsonl", dest, []string{src})
	var got []string
	for _, rj := range rejects {
		got = append(got, strings.Join([]string{strconv.FormatInt(rj.Line, 10), rj.Column, rj.Code}, " "))
	}
	require.Equal(t, []string{"5  json_syntax", "6 event wrong_type", "7 userId invalid_user_id", "8 timestamp missing"}, got)
	require.Contains(t, rejects[0].Message, "column 46")
	require.Equal(t, int64(4), r.Counts.Added)
	require.Equal(t, int64(1), r.Counts.Unchanged) // line 4 repeats line 3
	var dup int64
	for _, is := range r.Issues {
		if is.Code == "duplicate_event" {
			dup = is.Count
		}
	}
	require.Equal(t, int64(1), dup)
	rows := sqlRows(t, dest, eventsQuery)
	require.Len(t, rows, 4)
	i := slices.IndexFunc(rows, func(r []string) bool { return r[5] == "ord-1001" })
	require.Equal(t, []string{"orderCompleted", "customer_id", "c-42", "2021-03-05T01:30:00Z",
		`{"items":[{"sku":"A","qty":1}],"timestamp":"2021-03-04T23:30:00-02:00","total":129.90}`, "ord-1001", "2021-03-05"}, rows[i])
	require.Equal(t, []string{"email", "anna@example.com"}, rows[slices.IndexFunc(rows, func(r []string) bool { return r[0] == "pageViewed" })][1:3])

	// Again: nothing. Then ord-1001 with another total: updated.
	r, _ = importEvents(t, 0, "jsonl", dest, []string{src})
	require.Equal(t, int64(0), r.Counts.Added+r.Counts.Updated)
	changed := filepath.Join(t.TempDir(), "changed.jsonl")
	require.NoError(t, os.WriteFile(changed, []byte(`{"event":"orderCompleted","userId":"c-42","userIdType":"customer_id","timestamp":"2021-03-04T23:30:00-02:00","eventId":"ord-1001","total":99.90}`+"\n"), 0o666))
	r, _ = importEvents(t, 0, "jsonl", dest, []string{changed})
	require.Equal(t, int64(1), r.Counts.Updated)
	require.Equal(t, [][]string{{"2"}}, sqlRows(t, dest, "SELECT count(*) FROM events_history WHERE event_key = 'ord-1001'"))
	require.Equal(t, [][]string{{`{"timestamp":"2021-03-04T23:30:00-02:00","total":99.90}`}},
		sqlRows(t, dest, "SELECT properties FROM events WHERE event_key = 'ord-1001'"))
	ev := events(t, dest, 2)
	require.Len(t, ev, 1)
	require.Equal(t, "orderCompleted", ev[0]["type"])
	require.Equal(t, "ord-1001", ev[0]["key"])
}

// The batch-size harness for the event formats: whatever the batch size,
// the same counts, rows and rejects.
func TestEventsBatchSizes(t *testing.T) {
	dir := t.TempDir()
	ce := filepath.Join(dir, "event_history_20201001120000.json.zip")
	zipFile(t, ce, "event_history_20201001120000.json", eventsFixture("crossengage", "event_history_20201001120000.json"))
	for _, tc := range []struct {
		format string
		srcs   []string
	}{
		{"crossengage-json", []string{ce, eventsFixture("crossengage", "event_history_20201002090000.json")}},
		{"related-digital", []string{eventsFixture("related-digital", "purchases.csv"), eventsFixture("related-digital", "purchases-header.csv"),
			eventsFixture("related-digital", "bad-rows.csv")}},
		{"jsonl", []string{eventsFixture("events-jsonl", "events.jsonl")}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			type result struct {
				counts  validate.Counts
				rows    [][]string
				rejects []reject
			}
			run := func(batch string) result {
				dest := t.TempDir()
				r, rj := importEvents(t, 0, tc.format, dest, tc.srcs, "--batch-rows", batch)
				return result{r.Counts, sqlRows(t, dest, "SELECT "+eventsColumns+", source_file, source_line FROM events ORDER BY ALL"), rj}
			}
			ref := run("1000")
			require.NotEmpty(t, ref.rows)
			require.NotEmpty(t, ref.rejects)
			for _, batch := range []string{"1", "2", "3"} {
				require.Equal(t, ref, run(batch), "batch rows %s", batch)
			}
		})
	}
}

// hash_emails is pinned for events: hashed e-mails make other
// fingerprints, so the same feed would be added a second time.
func TestEventsPinHashEmails(t *testing.T) {
	dest := t.TempDir()
	src := eventsFixture("events-jsonl", "events.jsonl")
	importEvents(t, 0, "jsonl", dest, []string{src})
	code, _, errs := cli(t, "import", "events", src, "--format", "jsonl", "--dest", dest, "--quiet", "--hash-emails", "--max-rejected", "none")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "hash_emails")
	require.Len(t, manifests(t, dest), 1)
}
