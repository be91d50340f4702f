package spec

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"ingot/transform"
)

var update = flag.Bool("update", false, "rewrite golden files")

// env is the environment the tests decode with.
func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

const examplePath = "../testdata/spec/example.yaml"

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o666))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

func TestExample(t *testing.T) {
	s, err := Load(examplePath, Options{Env: env("FEED_TOKEN", "tok-123456", "WAREHOUSE", "s3://wh/prod")})
	require.NoError(t, err)
	require.Equal(t, "0 3 * * *", s.Schedule)
	require.Len(t, s.Imports, 4)
	var kinds []string
	for _, im := range s.Imports {
		kinds = append(kinds, im.Kind)
	}
	require.Equal(t, []string{"customers", "products", "orders", "events"}, kinds)

	c := s.Imports[0]
	require.Equal(t, "s3://wh/prod", c.Dest)
	require.Equal(t, "2.5%", c.MaxRejected)
	require.True(t, c.HashEmails, "user_id.hash sets hash_emails")
	require.Equal(t, ";", c.Source.CSV.Delimiter)
	require.Len(t, c.Transforms, 7)
	require.Equal(t, transform.Step{Op: transform.OpCopy, Field: "tier", To: "tierName", Map: &transform.ValueMap{Entries: []transform.MapEntry{
		{From: transform.Value{Text: "1"}, To: transform.Value{Text: "one"}},
		{From: transform.Value{Text: "2"}, To: transform.Value{Text: "two"}},
	}}}, c.Transforms[1])
	require.Equal(t, Pos{Line: 64, Column: 9}, c.TransformPos[1])
	require.Equal(t, transform.KindInteger, c.Transforms[5].Cast)
	require.Len(t, c.Mapping, 9)
	joined := c.Mapping[2]
	require.Equal(t, transform.AttrDate, joined.Type)
	require.Equal(t, "2026-03-01T00:00:00Z", joined.FallbackDate.Eval(time.Date(2026, 3, 17, 9, 0, 0, 0, time.UTC)).Format(time.RFC3339))
	require.Equal(t, "signup", c.Mapping[3].Header, "header defaults to the attribute")
	attrs := c.MappingAttrs(time.Date(2026, 3, 17, 9, 0, 0, 0, time.UTC))
	require.Equal(t, "2026-03-01", attrs[2].Fallback)
	require.True(t, attrs[1].HasFallback)
	require.False(t, attrs[0].HasFallback)
	steps, err := transform.MappingSteps(attrs)
	require.NoError(t, err)
	_, err = transform.Compile(append(c.Transforms, steps...), transform.Codes{})
	require.NoError(t, err)

	p := s.Imports[1]
	require.Equal(t, "sku", p.Key)
	require.Equal(t, "overwrite", p.Merge)
	o := s.Imports[2]
	require.Equal(t, []string{"s3://shop-exports/orders/2026-*.csv.zst", "./backfill/orders-2025.csv"}, o.Source.URIs)
	require.False(t, o.DryRun)
	require.True(t, s.Imports[3].DryRun)
	require.Equal(t, "https://feeds.example.com/event_history.json.zip?token=tok-123456", s.Imports[3].Source.URIs[0])

	// The compiled transforms fit the file they were written for.
	for _, im := range s.Imports {
		_, err := transform.Compile(im.Transforms, transform.Codes{})
		require.NoError(t, err)
	}

	out, err := s.Resolved()
	require.NoError(t, err)
	require.NotContains(t, string(out), "tok-123456")
	golden(t, "example.resolved.yaml", out)

	// The printed spec is itself a spec that decodes to the same imports.
	again, err := Parse(out, "resolved.yaml", Options{Env: env()})
	require.NoError(t, err)
	require.Len(t, again.Imports, 4)
	require.Equal(t, c.Transforms, again.Imports[0].Transforms)
	require.Equal(t, "Unknown", again.Imports[0].Mapping[1].Fallback)
}

// errorCases are specs with mistakes and the message each gets, with
// file, line and column.
var errorCases = []struct {
	name, spec string
	want       string
}{
	{"empty", ``, `s.yaml: the spec is empty`},
	{"syntax", "kind: [orders\n", `s.yaml:1:1: YAML syntax: did not find expected ',' or ']'`},
	{"not a mapping", "- orders\n", `s.yaml:1:1: expected a mapping (key: value), found a list`},
	{"no kind", "dest: x\n", `s.yaml:1:1: expected a kind (orders, customers, products or events), or a list of imports`},
	{"unknown key", "kind: orders\nsoruce: {uri: x}\n",
		`s.yaml:2:1: soruce: unknown key "soruce" (expected one of: allow_changed_options, batch_rows, dest, dry_run, format, hash_emails, imports, key, kind, known_hosts, mapping, max_columns, max_decompressed_bytes, max_decompression_ratio, max_field_bytes, max_line_items, max_record_bytes, max_rejected, merge, move_processed, on_new_columns, on_ragged, order_id, report_dir, s3_path_style, schedule, sftp_key, source, transforms, user_id, workers)`},
	{"bad kind", "kind: order\n", `s.yaml:1:7: kind: expected one of customers, products, orders, events, found "order"`},
	{"wrong type", "kind: orders\ndry_run: yes\n", `s.yaml:2:10: dry_run: expected true or false, found the string "yes"`},
	{"number for string", "kind: orders\ndest: 42\n", `s.yaml:2:7: dest: expected a string, found a number (42)`},
	{"format of kind", "kind: orders\nformat: csv\n", `s.yaml:2:9: format: expected a orders format (kevel-csv, shopify-csv, or auto), found "csv"`},
	{"delimiter", "kind: orders\nsource: {csv: {delimiter: ';;'}}\n", `s.yaml:2:27: source.csv.delimiter: expected one character other than a quote or a line break (\t for tab), found ";;"`},
	{"encoding", "kind: orders\nsource: {encoding: klingon}\n", `s.yaml:2:20: source.encoding: expected auto, utf-8, utf-16, windows-1252, iso-8859-15, shift_jis or another WHATWG or IANA encoding name, found "klingon"`},
	{"max rejected", "kind: orders\nmax_rejected: half\n", `s.yaml:2:15: max_rejected: expected a count (100), a percentage (2.5%) or none, found "half"`},
	{"schedule", "kind: orders\nschedule: every day\n", `s.yaml:2:11: schedule: expected a cron schedule (5 fields such as "0 3 * * *", or @daily, @every 2h), found "every day": expected exactly 5 fields, found 2: [every day]`},
	{"unknown transform", "kind: orders\ntransforms:\n  - renam: {from: a, to: b}\n",
		`s.yaml:3:5: transforms[0]: unknown transform "renam" (expected one of: rename, copy, new, delete, map, timestamp, cast, derive)`},
	{"two ops in one item", "kind: orders\ntransforms:\n  - {rename: {from: a, to: b}, delete: c}\n",
		`s.yaml:3:5: transforms[0]: expected one operation (rename, copy, new, delete, map, timestamp, cast, derive: {...}), found 2 keys (rename, delete)`},
	{"missing argument", "kind: orders\ntransforms:\n  - rename: {from: a}\n", `s.yaml:3:13: transforms[0].rename: expected to (required: from, to)`},
	{"unknown argument", "kind: orders\ntransforms:\n  - cast: {field: a, to: integer, strict: true}\n",
		`s.yaml:3:35: transforms[0].cast.strict: unknown key "strict" (expected one of: field, to)`},
	{"cast target", "kind: orders\ntransforms:\n  - cast: {field: a, to: int}\n", `s.yaml:3:26: transforms[0].cast.to: expected one of string, integer, float, bool, found "int"`},
	{"timestamp pattern", "kind: orders\ntransforms:\n  - timestamp: {field: a, pattern: YYYY-MM-dd}\n",
		`s.yaml:3:36: transforms[0].timestamp.pattern: pattern "YYYY-MM-dd", column 1: Y is the week-based year; write y for the calendar year`},
	{"timestamp zone", "kind: orders\ntransforms:\n  - timestamp: {field: a, pattern: yyyy, zone: Mars}\n",
		`s.yaml:3:36: transforms[0].timestamp.pattern: zone "Mars": expected UTC, an offset like +01:00 or an IANA name like Europe/Paris: unknown time zone Mars`},
	{"map not a mapping", "kind: orders\ntransforms:\n  - map: {field: a, values: [x]}\n",
		`s.yaml:3:30: transforms[0].map.values[0]: expected a mapping (key: value), found the string "x"`},
	{"map value not scalar", "kind: orders\ntransforms:\n  - map: {field: a, values: {x: [1]}}\n",
		`s.yaml:3:33: transforms[0].map.values.x: expected a single value (text, number, boolean or null), found a list`},
	{"mapping on orders", "kind: orders\nmapping: [{attribute: a}]\n", `s.yaml:2:10: mapping: a mapping is for customers imports, not orders`},
	{"attribute type", "kind: customers\nmapping:\n  - {attribute: a, type: phone}\n",
		`s.yaml:3:26: mapping[0].type: expected one of string, numeric, date, datetime, boolean, select, list, url, email, found "phone"`},
	{"date fallback", "kind: customers\nmapping:\n  - {attribute: a, type: date, fallback: someday}\n",
		`s.yaml:3:42: mapping[0].fallback: date expression "someday": expected a date (2026-04-07, Apr 7, 2026, @1712491800), today, tomorrow, yesterday, now, +N day|week|month|year, a weekday, next or last WEEKDAY, or first|last day of this|next|last month, optionally followed by HH:MM`},
	{"numeric fallback", "kind: customers\nmapping:\n  - {attribute: a, type: numeric, fallback: none}\n",
		`s.yaml:3:45: mapping[0].fallback: expected a numeric value, found "none"`},
	{"select fallback", "kind: customers\nmapping:\n  - {attribute: a, type: select, allowed: [x, y], fallback: z}\n",
		`s.yaml:3:61: mapping[0].fallback: expected a select value, found "z"`},
	{"allowed on string", "kind: customers\nmapping:\n  - {attribute: a, allowed: [x]}\n",
		`s.yaml:3:29: mapping[0].allowed: allowed values are for select and list attributes, not string`},
	{"attribute twice", "kind: customers\nmapping:\n  - {attribute: a}\n  - {attribute: a, header: b}\n",
		`s.yaml:4:5: mapping[1]: attribute "a" is mapped twice`},
	{"no attribute", "kind: customers\nmapping:\n  - {header: a}\n", `s.yaml:3:5: mapping[0]: expected an attribute name (attribute: ...)`},
	{"user id", "kind: customers\nuser_id: {type: email}\n", `s.yaml:2:10: user_id: expected a column`},
	{"hash contradiction", "kind: customers\nuser_id: {column: e, hash: true}\nhash_emails: false\n", `s.yaml:3:14: hash_emails: false contradicts user_id.hash: true`},
	{"order id on customers", "kind: customers\norder_id: Name\n", `s.yaml:2:11: order_id: order_id is for orders imports, not customers`},
	{"missing env", "kind: orders\ndest: ${NOPE}\n", `s.yaml:2:7: environment variable NOPE is not set (write ${NOPE:-default} for a default)`},
	{"bad env name", "kind: orders\ndest: ${A B}\n", `s.yaml:2:7: ${A B}: expected an environment variable name (letters, digits, _)`},
	{"import-only key at root", "kind: orders\nimports:\n  - kind: events\n",
		`s.yaml:1:7: kind: belongs in an entry of imports (the root of a spec with imports holds the settings its imports share; kind, format, source, user_id, order_id, key, merge, transforms, mapping go in each entry)`},
	{"bad count", "kind: orders\nmax_columns: 0\n", `s.yaml:2:14: max_columns: expected a whole number of at least 1, found 0`},
	{"count type", "kind: orders\nworkers: two\n", `s.yaml:2:10: workers: expected a whole number, found the string "two"`},
	{"ratio", "kind: orders\nmax_decompression_ratio: -2\n", `s.yaml:2:26: max_decompression_ratio: expected a whole number of at least -1, found -2`},
	{"user_id on orders", "kind: orders\nuser_id: {column: email}\n", `s.yaml:2:10: user_id: user_id is for customers imports, not orders (orders formats name their user id column)`},
	{"key on orders", "kind: orders\nkey: sku\n", `s.yaml:2:6: key: key is for products imports, not orders (customers: user_id)`},
	{"imports empty", "imports: []\n", `s.yaml:1:10: imports: expected a non-empty list of imports, found a list`},
	{"import without kind", "imports:\n  - dest: x\n", `s.yaml:2:5: imports[0]: expected a kind (orders, customers, products or events)`},
	{"two documents", "kind: orders\n---\nkind: events\n", `s.yaml:2:1: expected one document, found a second (remove the ---)`},
	{"several problems at once", "kind: orders\ndry_run: 1\ntransforms:\n  - delete: ''\n",
		"s.yaml:2:10: dry_run: expected true or false, found a number (1)\ns.yaml:4:13: transforms[0].delete: expected a non-empty string, found \"\""},
}

// TestErrors checks the message, with file, line and column, of every kind
// of mistake in a spec.
func TestErrors(t *testing.T) {
	tests := errorCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.spec), "s.yaml", Options{Env: env()})
			require.Error(t, err)
			var se *Error
			require.ErrorAs(t, err, &se)
			require.Equal(t, tc.want, err.Error())
		})
	}
}

func TestSingleImport(t *testing.T) {
	s, err := Parse([]byte(`
kind: orders
format: shopify-csv
source: {uri: orders.csv}
order_id: Id
transforms:
  - delete: {field: Notes}
  - new: {field: flag, value: true}
  - map: {field: Status, values: [{from: 1, to: paid}, {from: "1", to: text}, {from: null, to: none}]}
`), "one.yaml", Options{Env: env()})
	require.NoError(t, err)
	require.Len(t, s.Imports, 1)
	im := s.Imports[0]
	require.Equal(t, "Id", im.OrderID)
	require.Equal(t, transform.Value{Type: transform.TypeBool, Text: "true"}, im.Transforms[1].Value)
	require.Equal(t, []transform.MapEntry{
		{From: transform.Value{Type: transform.TypeNumber, Text: "1"}, To: transform.Value{Text: "paid"}},
		{From: transform.Value{Text: "1"}, To: transform.Value{Text: "text"}},
		{From: transform.Value{Type: transform.TypeNull}, To: transform.Value{Text: "none"}},
	}, im.Transforms[2].Map.Entries)
	d := im.WithDefaults()
	dated, err := Parse([]byte("kind: orders\nreport_dir: 2026-04-07\n"), "d.yaml", Options{Env: env()})
	require.NoError(t, err)
	require.Equal(t, "2026-04-07", dated.Imports[0].ReportDir)
	require.Equal(t, "Id", d.OrderID)
	require.Equal(t, "./warehouse", d.Dest)
	require.Equal(t, "auto", d.Source.Encoding)
	require.True(t, *d.Source.CSV.Header)
}

// TestStepError checks that a transform or mapping that does not fit a
// file is reported at its line in the spec.
func TestStepError(t *testing.T) {
	s, err := Parse([]byte("kind: customers\ntransforms:\n  - rename: {from: a, to: b}\n  - delete: zz\nmapping:\n  - {attribute: email, header: E-Mail}\n"), "c.yaml", Options{Env: env()})
	require.NoError(t, err)
	im := &s.Imports[0]
	steps, err := transform.MappingSteps(im.MappingAttrs(time.Time{}))
	require.NoError(t, err)
	p, err := transform.Compile(append(im.Transforms, steps...), transform.Codes{})
	require.NoError(t, err)
	mem := memory.NewGoAllocator()
	for _, tc := range []struct{ cols, want string }{
		{"a", `c.yaml:4:5: transforms[1].delete: no field "zz"; the fields at this step are: b`},
		{"a,zz", `c.yaml:6:5: mapping: the header "E-Mail" of attribute "email" is not in the file; its fields are: b`},
	} {
		var cols []string
		for _, c := range strings.Split(tc.cols, ",") {
			cols = append(cols, c+"=x")
		}
		rec := rawBatch(mem, cols...)
		_, err = p.Apply(transform.Input{Rec: rec})
		rec.Release()
		err = im.StepError("c.yaml", err)
		var se *Error
		require.ErrorAs(t, err, &se)
		require.EqualError(t, err, tc.want)
	}
	require.Equal(t, "plain", im.StepError("c.yaml", errors.New("plain")).Error())
}

func TestJSONSpec(t *testing.T) {
	s, err := Parse([]byte(`{
  "kind": "customers",
  "source": {"uri": ["a.jsonl", "b.jsonl"]},
  "transforms": [{"cast": {"field": "age", "to": "integer"}}],
  "mapping": [{"attribute": "vip", "type": "boolean", "values": [{"from": 1, "to": true}]}]
}`), "spec.json", Options{Env: env()})
	require.NoError(t, err)
	require.Equal(t, []string{"a.jsonl", "b.jsonl"}, s.Imports[0].Source.URIs)
	require.Equal(t, transform.Value{Type: transform.TypeNumber, Text: "1"}, s.Imports[0].Mapping[0].Values.Entries[0].From)

	_, err = Parse([]byte("{\n  \"kind\": \"customers\",\n  \"dry_run\": \"no\"\n}"), "spec.json", Options{Env: env()})
	require.EqualError(t, err, `spec.json:3:14: dry_run: expected true or false, found the string "no"`)
}

func TestInterpolate(t *testing.T) {
	e := env("HOST", "db.example.com", "EMPTY", "", "DB_PASSWORD", "hunter2")
	tests := []struct{ in, want, err string }{
		{in: "plain", want: "plain"},
		{in: "sftp://u@${HOST}/x", want: "sftp://u@db.example.com/x"},
		{in: "${HOST}${HOST}", want: "db.example.comdb.example.com"},
		{in: "$${HOST}", want: "${HOST}"},
		{in: "$$${HOST}", want: "$${HOST}"[:1] + "${HOST}"},
		{in: "cost: $5", want: "cost: $5"},
		{in: "${EMPTY}", want: ""},
		{in: "${EMPTY:-dflt}", want: "dflt"},
		{in: "${UNSET:-dflt}", want: "dflt"},
		{in: "${UNSET:-}", want: ""},
		{in: "${UNSET}", err: "environment variable UNSET is not set (write ${UNSET:-default} for a default)"},
		{in: "x ${HOST", err: "unterminated ${ at byte 3 (write $${ for a literal ${)"},
		{in: "${1X}", err: "${1X}: expected an environment variable name (letters, digits, _)"},
	}
	for _, tc := range tests {
		var secrets []string
		got, err := interpolate(tc.in, e, func(name, v string) {
			if secretName(name) {
				secrets = append(secrets, v)
			}
		})
		if tc.err != "" {
			require.EqualError(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}

	// A plain scalar is retyped after interpolation; a quoted one stays text.
	s, err := Parse([]byte("kind: orders\ndry_run: ${DRY}\nreport_dir: \"${DRY}\"\n"), "s.yaml", Options{Env: env("DRY", "true")})
	require.NoError(t, err)
	require.True(t, s.Imports[0].DryRun)
	require.Equal(t, "true", s.Imports[0].ReportDir)
}

func TestResolvedMasksSecrets(t *testing.T) {
	s, err := Parse([]byte(`
kind: orders
source:
  uri:
    - sftp://shop:${SFTP_PASSWORD}@files.example.com/orders.csv
    - https://user:inline-pass@feeds.example.com/x.csv?X-Amz-Signature=abc123&part=1
    - s3://bucket/${PREFIX}/orders.csv
dest: s3://wh/${API_TOKEN}
`), "s.yaml", Options{Env: env("SFTP_PASSWORD", "p@ss:w0rd", "PREFIX", "2026", "API_TOKEN", "t0k3n")})
	require.NoError(t, err)
	out, err := s.Resolved()
	require.NoError(t, err)
	text := string(out)
	for _, secret := range []string{"p@ss:w0rd", "inline-pass", "abc123", "t0k3n"} {
		require.NotContains(t, text, secret)
	}
	require.Contains(t, text, "s3://bucket/2026/orders.csv", "values of ordinary variables are shown")
	require.Contains(t, text, "https://user:****@feeds.example.com/x.csv?X-Amz-Signature=****&part=1")
	require.Contains(t, text, "dest: s3://wh/****")
}

func TestMappingExportImport(t *testing.T) {
	s, err := Load(examplePath, Options{Env: env()})
	require.NoError(t, err)
	attrs := s.Imports[0].Mapping
	attrs[4].Values.Entries = append(attrs[4].Values.Entries, transform.MapEntry{
		From: transform.Value{Type: transform.TypeNumber, Text: "1"}, To: transform.Value{Text: "gold"}})
	out, err := ExportMapping(attrs)
	require.NoError(t, err)
	golden(t, "example.mapping.json", out)
	back, err := ImportMapping(out, "mapping.json")
	require.NoError(t, err)
	require.Len(t, back, len(attrs))
	for i := range attrs {
		a, b := attrs[i], back[i]
		a.Pos, b.Pos = Pos{}, Pos{}
		if a.FallbackDate != nil {
			require.Equal(t, a.FallbackDate.String(), b.FallbackDate.String())
			a.FallbackDate, b.FallbackDate = nil, nil
		}
		require.Equal(t, a, b)
	}

	_, err = ImportMapping([]byte("[\n  {\"attribute\": \"a\", \"type\": \"colour\"}\n]"), "m.json")
	require.EqualError(t, err, `m.json:2:30: mapping[0].type: expected one of string, numeric, date, datetime, boolean, select, list, url, email, found "colour"`)
}

func TestReplaceMapping(t *testing.T) {
	src := []byte("# my spec\nkind: customers # the kind\nsource: {uri: c.csv}\nmapping:\n  - {attribute: old}\n")
	attrs := []Attribute{{Attribute: "email", Header: "E-Mail", Type: transform.AttrEmail, Mandatory: true}}
	out, err := ReplaceMapping(src, "s.yaml", attrs)
	require.NoError(t, err)
	require.Contains(t, string(out), "# my spec")
	require.Contains(t, string(out), "# the kind")
	s, err := Parse(out, "s.yaml", Options{Env: env()})
	require.NoError(t, err)
	require.Equal(t, "email", s.Imports[0].Mapping[0].Attribute)
	require.Len(t, s.Imports[0].Mapping, 1)

	_, err = ReplaceMapping([]byte("kind: orders\n"), "s.yaml", attrs)
	require.EqualError(t, err, "s.yaml: expected exactly one customers import to take the mapping, found 0")
}

// TestExampleIsDocumented keeps the example spec commented: every import
// setting appears in it at least once, so the README's copy shows them all.
func TestExampleIsDocumented(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	require.NoError(t, err)
	d := newDecoder("", Options{})
	for k := range d.importFields(&Import{}, map[string]*yaml.Node{}) {
		require.True(t, strings.Contains(string(data), k+":"), "example spec does not show %s", k)
	}
}

// FuzzParse decodes arbitrary specs: never a panic, and every problem
// names the file and, when it comes from a node, a line and column.
func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(examplePath)
	require.NoError(f, err)
	f.Add(data)
	for _, tc := range errorCases {
		f.Add([]byte(tc.spec))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(data, "f.yaml", Options{Env: env("FEED_TOKEN", "x")})
		if err == nil {
			return
		}
		var se *Error
		require.ErrorAs(t, err, &se)
		require.NotEmpty(t, se.Problems)
		for _, p := range se.Problems {
			require.Equal(t, "f.yaml", p.File)
			require.NotEmpty(t, p.Msg)
			require.GreaterOrEqual(t, p.Line, 0)
		}
	})
}
