package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"ingot"
)

// specFlagCases: for every import flag, a spec that sets the same option,
// what the spec gives, the flag overriding it, and what the flag gives.
var specFlagCases = []struct {
	flag       string
	kind, spec string // kind: products (csv) when empty
	args       []string
	get        func(o ingot.ImportOptions) any
	fromSpec   any
	fromFlag   any
}{
	{"format", "", "format: jsonl", []string{"--format", "json"}, func(o ingot.ImportOptions) any { return o.Format }, "jsonl", "json"},
	{"dest", "", "dest: ./spec-wh", []string{"--dest", "./flag-wh"}, func(o ingot.ImportOptions) any { return o.Dest }, "./spec-wh", "./flag-wh"},
	{"s3-path-style", "", "s3_path_style: true", []string{"--s3-path-style=false"}, func(o ingot.ImportOptions) any { return o.Stores.S3.PathStyle }, true, false},
	{"sftp-key", "", "sftp_key: ./a", []string{"--sftp-key", "./b"}, func(o ingot.ImportOptions) any { return o.Stores.SFTP.KeyFile }, "./a", "./b"},
	{"known-hosts", "", "known_hosts: ./a", []string{"--known-hosts", "./b"}, func(o ingot.ImportOptions) any { return o.Stores.SFTP.KnownHosts }, "./a", "./b"},
	{"move-processed", "", "move_processed: true", []string{"--move-processed=false"}, func(o ingot.ImportOptions) any { return o.MoveProcessed }, true, false},
	{"dry-run", "", "dry_run: true", []string{"--dry-run=false"}, func(o ingot.ImportOptions) any { return o.DryRun }, true, false},
	{"report-dir", "", "report_dir: ./a", []string{"--report-dir", "./b"}, func(o ingot.ImportOptions) any { return o.ReportDir }, "./a", "./b"},
	{"encoding", "", "source: {uri: x.csv, encoding: windows-1252}", []string{"--encoding", "auto"}, func(o ingot.ImportOptions) any { return o.Encoding }, "windows-1252", "auto"},
	{"delimiter", "", "source: {uri: x.csv, csv: {delimiter: ';'}}", []string{"--delimiter", `\t`}, func(o ingot.ImportOptions) any { return o.Delimiter }, byte(';'), byte('\t')},
	{"hash-emails", "customers", "user_id: {column: e, hash: true}", []string{"--hash-emails=false"}, func(o ingot.ImportOptions) any { return o.HashEmails }, true, false},
	{"max-rejected", "", "max_rejected: 10", []string{"--max-rejected", "5%"}, func(o ingot.ImportOptions) any { return o.MaxRejected }, "10", "5%"},
	{"user-id", "customers", "user_id: {column: mail}", []string{"--user-id", "email"}, func(o ingot.ImportOptions) any { return o.UserIDColumn }, "mail", "email"},
	{"user-id-type", "customers", "user_id: {column: m, type: phone}", []string{"--user-id-type", "email_sha256"}, func(o ingot.ImportOptions) any { return o.UserIDType }, "phone", "email_sha256"},
	{"key", "", "key: sku", []string{"--key", "id"}, func(o ingot.ImportOptions) any { return o.KeyColumn }, "sku", "id"},
	{"merge", "", "merge: overwrite", []string{"--merge", "merge"}, func(o ingot.ImportOptions) any { return o.Merge }, "overwrite", "merge"},
	{"quote", "", "source: {uri: x.csv, csv: {quote: \"'\"}}", []string{"--quote", "|"}, func(o ingot.ImportOptions) any { return o.Quote }, byte('\''), byte('|')},
	{"header", "", "source: {uri: x.csv, csv: {header: false}}", []string{"--header", "present"}, func(o ingot.ImportOptions) any { return o.Header }, "absent", "present"},
	{"on-new-columns", "", "on_new_columns: fail", []string{"--on-new-columns", "ignore"}, func(o ingot.ImportOptions) any { return o.OnNewColumns }, "fail", "ignore"},
	{"on-ragged", "", "on_ragged: pad", []string{"--on-ragged", "truncate"}, func(o ingot.ImportOptions) any { return o.OnRagged }, "pad", "truncate"},
	{"order-id", "orders", "order_id: Id", []string{"--order-id", "Name"}, func(o ingot.ImportOptions) any { return o.OrderID }, "Id", "Name"},
	{"max-record-bytes", "", "max_record_bytes: 100", []string{"--max-record-bytes", "200"}, func(o ingot.ImportOptions) any { return o.MaxRecordBytes }, 100, 200},
	{"max-field-bytes", "", "max_field_bytes: 100", []string{"--max-field-bytes", "200"}, func(o ingot.ImportOptions) any { return o.MaxFieldBytes }, 100, 200},
	{"max-columns", "", "max_columns: 10", []string{"--max-columns", "20"}, func(o ingot.ImportOptions) any { return o.MaxColumns }, 10, 20},
	{"max-line-items", "", "max_line_items: 10", []string{"--max-line-items", "20"}, func(o ingot.ImportOptions) any { return o.MaxLineItems }, 10, 20},
	{"max-decompressed-bytes", "", "max_decompressed_bytes: 100", []string{"--max-decompressed-bytes", "200"}, func(o ingot.ImportOptions) any { return o.MaxDecompressedBytes }, int64(100), int64(200)},
	{"max-decompression-ratio", "", "max_decompression_ratio: -1", []string{"--max-decompression-ratio", "50"}, func(o ingot.ImportOptions) any { return o.MaxDecompressionRatio }, int64(-1), int64(50)},
	{"batch-rows", "", "batch_rows: 64", []string{"--batch-rows", "128"}, func(o ingot.ImportOptions) any { return o.BatchRows }, 64, 128},
	{"workers", "", "workers: 1", []string{"--workers", "2"}, func(o ingot.ImportOptions) any { return o.Workers }, 1, 2},
	{"allow-changed-options", "", "allow_changed_options: true", []string{"--allow-changed-options=false"}, func(o ingot.ImportOptions) any { return o.AllowChangedOptions }, true, false},
}

// notSpecFields are the import flags that are no option of an import:
// where the options come from, and what is printed; and --force, a
// decision for one run (re-import a file already committed) that a spec
// run on a schedule must not make every time.
var notSpecFields = []string{"spec", "from-report", "allow-changed", "json", "quiet", "force"}

// specJobs parses args as import's flags and returns the imports they
// ask for.
func specJobs(t *testing.T, args ...string) []ingot.ImportOptions {
	t.Helper()
	f := &importFlags{}
	c := &cobra.Command{Use: "import"}
	f.register(c.Flags())
	require.NoError(t, c.ParseFlags(args))
	jobs, err := f.jobs(c, nil, &globals{})
	require.NoError(t, err)
	return jobs
}

// TestFlagSpecParity: every option a flag of import sets is also a spec
// field, and the flag overrides the spec's value.
func TestFlagSpecParity(t *testing.T) {
	var flags []string
	importCmd(&globals{}).Flags().VisitAll(func(f *pflag.Flag) { flags = append(flags, f.Name) })
	var covered []string
	for _, tc := range specFlagCases {
		covered = append(covered, tc.flag)
	}
	for _, name := range flags {
		require.True(t, slices.Contains(covered, name) || slices.Contains(notSpecFields, name),
			"import flag --%s has no spec field (add one, and a case here)", name)
	}

	dir := t.TempDir()
	for _, tc := range specFlagCases {
		t.Run(tc.flag, func(t *testing.T) {
			kind := cmpOr(tc.kind, "products")
			text := "kind: " + kind + "\n"
			if !strings.Contains(tc.spec, "format:") {
				text += map[string]string{"products": "format: csv\n", "customers": "format: csv\n", "orders": "format: shopify-csv\n"}[kind]
			}
			if !strings.Contains(tc.spec, "source:") {
				text += "source: {uri: x.csv}\n"
			}
			p := writeFile(t, dir, tc.flag+".yaml", text+tc.spec+"\n")
			jobs := specJobs(t, "--spec", p)
			require.Len(t, jobs, 1)
			require.Equal(t, tc.fromSpec, tc.get(jobs[0]), "from the spec")
			jobs = specJobs(t, append([]string{"--spec", p}, tc.args...)...)
			require.Equal(t, tc.fromFlag, tc.get(jobs[0]), "the flag overrides the spec")
		})
	}
}

// TestFlagsConcernTheirKinds: in a spec of several imports, a flag of one
// kind (--order-id, --merge, --user-id) applies to the imports of its
// kinds only, so that it does not make the others invalid.
func TestFlagsConcernTheirKinds(t *testing.T) {
	p := writeFile(t, t.TempDir(), "job.yaml", "imports:\n  - {kind: orders, format: shopify-csv, source: {uri: x.csv}}\n  - {kind: customers, format: csv, source: {uri: x.csv}}\n  - {kind: products, format: csv, source: {uri: x.csv}}\n")
	jobs := specJobs(t, "--spec", p, "--order-id", "Id", "--merge", "overwrite", "--user-id", "mail", "--key", "sku")
	require.Len(t, jobs, 3)
	byKind := map[string]ingot.ImportOptions{}
	for _, o := range jobs {
		require.NoError(t, o.Validate(), o.Kind)
		byKind[o.Kind] = o
	}
	require.Equal(t, "Id", byKind["orders"].OrderID)
	require.Empty(t, byKind["orders"].Merge)
	require.Empty(t, byKind["customers"].OrderID)
	require.Equal(t, "mail", byKind["customers"].UserIDColumn)
	require.Equal(t, "overwrite", byKind["customers"].Merge)
	require.Equal(t, "overwrite", byKind["products"].Merge)
	require.Equal(t, "sku", byKind["products"].KeyColumn)
	require.Empty(t, byKind["products"].UserIDColumn)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestSpecErrorsCLI: unknown keys, wrong types and bad values are exit
// code 2 naming file:line:column, for import, schedule and spec print.
func TestSpecErrorsCLI(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, spec, want string }{
		{"unknown key", "kind: customers\nsource: {uri: x.csv}\nuser_id: {colum: mail}\n", `bad.yaml:3:11: user_id.colum: unknown key "colum" (expected one of: column, hash, type)`},
		{"wrong type", "kind: products\nsource: {uri: x.csv}\nworkers: many\n", `bad.yaml:3:10: workers: expected a whole number, found the string "many"`},
		{"bad value", "kind: customers\nsource: {uri: x.csv}\nmerge: replace\n", `bad.yaml:3:8: merge: expected one of merge, overwrite, found "replace"`},
		{"bad value, shared", "imports:\n  - kind: orders\n    order_id: Number\n", `bad.yaml:3:15: imports[0].order_id: expected one of Name, Id, found "Number"`},
		{"field of another kind", "kind: orders\nsource: {uri: x.csv}\nmerge: overwrite\n", `bad.yaml:3:8: merge: merge is for customers and products imports, not orders`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := writeFile(t, dir, "bad.yaml", tc.spec)
			for _, cmd := range [][]string{{"import"}, {"schedule"}, {"spec", "print"}} {
				code, _, errs := cli(t, append(cmd, "--spec", bad, "--dest", filepath.Join(dir, "wh"))...)
				require.Equal(t, exitUsage, code, "%v: %s", cmd, errs)
				require.Contains(t, errs, tc.want, cmd)
			}
		})
	}
}

// TestSpecPrint: the spec resolved with flags and defaults, secrets
// masked, and itself a spec.
func TestSpecPrint(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CRM_SFTP_PASSWORD", "s3cr3t-pw")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-K7MDENG")
	t.Setenv("FEED_TOKEN", "tok-998877")
	t.Setenv("REGION", "eu-west-1")
	p := writeFile(t, dir, "job.yaml", `# nightly
dest: s3://warehouse/prod
imports:
  - kind: orders
    format: shopify-csv
    source:
      uri:
        - sftp://crm:${CRM_SFTP_PASSWORD}@files.example.com/orders.csv
        - https://bucket.s3.${REGION}.amazonaws.com/o.csv?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101&X-Amz-Signature=f00dfeed&part=1
        - https://feeds.example.com/o.csv?token=${FEED_TOKEN}
  - kind: customers
    source: {uri: "s3://crm/${AWS_SECRET_ACCESS_KEY}/c.csv"}
    report_dir: ./reports/${FEED_TOKEN}
    user_id: {column: mail}
`)
	code, out, errs := cli(t, "spec", "print", "--spec", p, "--hash-emails", "--max-rejected", "1%")
	require.Equal(t, 0, code, errs)
	for _, secret := range []string{"s3cr3t-pw", "wJalrXUtnFEMI", "tok-998877", "AKIAIOSFODNN7EXAMPLE", "f00dfeed"} {
		require.NotContains(t, out, secret)
	}
	for _, want := range []string{
		"sftp://crm:****@files.example.com/orders.csv",
		"X-Amz-Signature=****", "X-Amz-Credential=****", "part=1",
		"https://bucket.s3.eu-west-1.amazonaws.com/", // an ordinary variable is shown
		"token=****", "s3://crm/****/c.csv", "report_dir: ./reports/****",
		"dest: s3://warehouse/prod",
		"user_id: {column: mail, type: email, hash: true}", // the flag, and the defaults
		"hash_emails: true", "max_rejected: 1%", "order_id: Name", "merge: merge", "format: auto",
		"max_record_bytes: 16777216", "on_ragged: reject",
	} {
		require.Contains(t, out, want)
	}
	// Customers print before orders: the order in which they run.
	require.Less(t, strings.Index(out, "kind: customers"), strings.Index(out, "kind: orders"))

	// The output is a spec, which decodes to the same options.
	printed := writeFile(t, dir, "printed.yaml", out)
	code, out2, errs := cli(t, "spec", "print", "--spec", printed)
	require.Equal(t, 0, code, errs)
	require.Equal(t, out, out2)

	code, _, errs = cli(t, "spec", "print")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "--spec FILE is required")
}

func TestSpecSchema(t *testing.T) {
	code, out, errs := cli(t, "spec", "schema")
	require.Equal(t, 0, code, errs)
	want, err := os.ReadFile(filepath.Join("..", "..", "ingot.schema.json"))
	require.NoError(t, err)
	require.Equal(t, string(want), out)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Equal(t, "ingot job spec", v["title"])
}

// TestMappingExportImport: the mapping goes out as JSON and back into the
// spec, which keeps its comments and other lines; a bad mapping changes
// nothing.
func TestMappingExportImport(t *testing.T) {
	dir := t.TempDir()
	specText := `# customers, nightly
kind: customers   # from the CRM
source: {uri: ./crm.csv}
mapping:
  - {attribute: email, header: E-Mail, type: email, mandatory: true}
  # towns are free text
  - {attribute: city, header: Town, fallback: Unknown}
schedule: "@daily"   # UTC
`
	p := writeFile(t, dir, "job.yaml", specText)
	require.NoError(t, os.Chmod(p, 0o640))
	code, out, errs := cli(t, "mapping", "export", "--spec", p)
	require.Equal(t, 0, code, errs)
	var m []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	require.Len(t, m, 2)
	require.Equal(t, "E-Mail", m[0]["header"])

	mp := filepath.Join(dir, "mapping.json")
	code, _, errs = cli(t, "mapping", "export", "--spec", p, "-o", mp)
	require.Equal(t, 0, code, errs)
	data, err := os.ReadFile(mp)
	require.NoError(t, err)
	require.Equal(t, out, string(data))

	// Edit: a new attribute with a typed value map; import it back.
	m = append(m, map[string]any{"attribute": "vip", "header": "VIP", "type": "boolean",
		"values": []map[string]any{{"from": 1, "to": true}, {"from": 0, "to": false}}})
	edited, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(mp, edited, 0o644))
	code, _, errs = cli(t, "mapping", "import", mp, "--spec", p)
	require.Equal(t, 0, code, errs)
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, `# customers, nightly
kind: customers   # from the CRM
source: {uri: ./crm.csv}
mapping:
  - {attribute: email, header: E-Mail, type: email, mandatory: true}
  - {attribute: city, header: Town, type: string, fallback: Unknown}
  - {attribute: vip, header: VIP, type: boolean, values: {1: true, 0: false}}
schedule: "@daily"   # UTC
`, string(got))
	st, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o640), st.Mode().Perm(), "the spec keeps its permissions")

	// Exported again, it is what was imported.
	code, out, errs = cli(t, "mapping", "export", "--spec", p)
	require.Equal(t, 0, code, errs)
	var back []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &back))
	require.Len(t, back, 3)
	require.Equal(t, []any{map[string]any{"from": 1.0, "to": true}, map[string]any{"from": 0.0, "to": false}}, back[2]["values"])

	// A bad mapping: exit 2 with its position, the spec unchanged.
	require.NoError(t, os.WriteFile(mp, []byte("[\n  {\"attribute\": \"a\", \"type\": \"colour\"}\n]\n"), 0o644))
	code, _, errs = cli(t, "mapping", "import", mp, "--spec", p)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, mp+`:2:30: mapping[0].type: expected one of string`)
	after, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, string(got), string(after))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "no temporary file left")

	// A spec whose own mapping is wrong can be fixed by importing one.
	broken := writeFile(t, dir, "broken.yaml", "kind: customers\nmapping:\n  - {attribute: a, type: colour}\n")
	code, _, errs = cli(t, "mapping", "export", "--spec", broken)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, broken+":3:26: mapping[0].type")
	require.NoError(t, os.WriteFile(mp, []byte(`[{"attribute": "a", "type": "string"}]`), 0o644))
	code, _, errs = cli(t, "mapping", "import", mp, "--spec", broken)
	require.Equal(t, 0, code, errs)
	fixed, err := os.ReadFile(broken)
	require.NoError(t, err)
	require.Equal(t, "kind: customers\nmapping:\n  - {attribute: a, header: a, type: string}\n", string(fixed))

	// A spec without customers, or without a mapping.
	orders := writeFile(t, dir, "orders.yaml", "kind: orders\n")
	code, _, errs = cli(t, "mapping", "export", "--spec", orders)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "expected exactly one customers import (the mapping is theirs), found 0")
	plain := writeFile(t, dir, "plain.yaml", "kind: customers\n")
	code, _, errs = cli(t, "mapping", "export", "--spec", plain)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, plain+":1:1: the customers import has no mapping")
}

// TestSpecCompletions: the new commands and the values of --format and
// the other enumerated flags complete.
func TestSpecCompletions(t *testing.T) {
	complete := func(args ...string) string {
		code, out, errs := cli(t, append([]string{"__complete"}, args...)...)
		require.Equal(t, 0, code, errs)
		return out
	}
	require.Contains(t, complete(""), "spec\t")
	require.Contains(t, complete(""), "mapping\t")
	out := complete("spec", "")
	require.Contains(t, out, "print\t")
	require.Contains(t, out, "schema\t")
	out = complete("mapping", "")
	require.Contains(t, out, "export\t")
	require.Contains(t, out, "import\t")
	for _, cmd := range [][]string{{"import"}, {"spec", "print"}, {"schedule"}} {
		out = complete(append(cmd, "--format", "")...)
		for _, f := range ingot.FormatNames("") {
			require.Contains(t, out, f+"\n", cmd)
		}
		require.Contains(t, complete(append(cmd, "--merge", "")...), "overwrite\n", cmd)
		require.Contains(t, complete(append(cmd, "--on-ragged", "")...), "truncate\n", cmd)
	}
	require.Equal(t, fmt.Sprint([]string{"csv", "json", "jsonl"}), fmt.Sprint(completions(complete("import", "customers", "x.csv", "--format", ""))))
}

// completions returns the candidates of a __complete output.
func completions(out string) []string {
	var c []string
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, ":") || strings.HasPrefix(l, "Completion ended") {
			continue
		}
		c = append(c, strings.SplitN(l, "\t", 2)[0])
	}
	slices.Sort(c)
	return c
}

// TestSpecImportsRunInKindOrder: a spec's imports run customers →
// products → orders whatever their order in the file, each its own
// commit, and the run stops at the first that fails.
func TestSpecImportsRunInKindOrder(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "wh")
	job := func(customersMaxRejected string) string {
		return writeFile(t, dir, "job.yaml", fmt.Sprintf(`dest: %s
max_rejected: none
imports:
  - kind: orders
    source: {uri: %s}
  - kind: products
    format: csv
    source: {uri: %s}
  - kind: customers
    format: csv
    source: {uri: %s}
    max_rejected: "%s"
`, dest, abs(t, fixture("basic.csv")), abs(t, filepath.Join("..", "..", "testdata", "products", "products.csv")),
			abs(t, filepath.Join("..", "..", "testdata", "customers", "customers.csv")), customersMaxRejected))
	}

	// customers.csv has a record with a bad user id: with max_rejected 0
	// the customers import fails, and nothing after it runs.
	code, _, errs := cli(t, "import", "--spec", job("0"), "--quiet")
	require.Equal(t, exitFailed, code, errs)
	require.Contains(t, errs, "rejected")
	_, err := os.Stat(filepath.Join(dest, "_ingot", "log"))
	if err == nil {
		require.Empty(t, manifests(t, dest), "nothing committed after the failed customers import")
	}

	code, _, errs = cli(t, "import", "--spec", job("none"), "--quiet")
	require.Equal(t, 0, code, errs)
	var kinds []string
	for i, m := range manifests(t, dest) {
		require.Equal(t, int64(i+1), m.Version)
		kinds = append(kinds, m.Kind)
	}
	require.Equal(t, []string{"customers", "products", "orders"}, kinds)
}

// latestReport reads the report.json of the newest import whose report
// is in the warehouse.
func latestReport(t *testing.T, dest string) map[string]any {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(dest, "_ingot", "reports", "*", "report.json"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	// The newest by the time it was written: report folders are named by
	// import id, whose time has whole seconds and a random suffix, so two
	// imports of one second do not sort by when they ran.
	newest, at := "", time.Time{}
	for _, d := range dirs {
		fi, err := os.Stat(d)
		require.NoError(t, err)
		if newest == "" || fi.ModTime().After(at) {
			newest, at = d, fi.ModTime()
		}
	}
	data, err := os.ReadFile(newest)
	require.NoError(t, err)
	var r map[string]any
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

// TestPinnedOptions: the options that change what is stored are recorded
// in each manifest and report; an import that would change them is
// refused before reading data (exit 2) unless --allow-changed-options;
// manifests of older builds pin nothing.
func TestPinnedOptions(t *testing.T) {
	dir := t.TempDir()
	orders := func(t *testing.T, want int, dest, file string, flags ...string) string {
		t.Helper()
		code, _, errs := cli(t, append([]string{"import", "orders", fixture(file), "--dest", dest, "--quiet"}, flags...)...)
		require.Equal(t, want, code, errs)
		return errs
	}

	t.Run("plain, then hashed", func(t *testing.T) {
		dest := filepath.Join(dir, "plain")
		orders(t, 0, dest, "basic.csv")
		m := manifests(t, dest)
		require.Equal(t, map[string]string{"hash_emails": "false"}, m[0].Pinned)
		require.Equal(t, map[string]any{"hash_emails": "false"}, latestReport(t, dest)["pinned"])

		errs := orders(t, exitUsage, dest, "changed.csv", "--hash-emails")
		require.Contains(t, errs, "refused before reading any data")
		require.Contains(t, errs, "hash_emails: this import has true, the orders were committed with false (version 1, import "+m[0].ImportID+")")
		require.Contains(t, errs, "--allow-changed-options")
		require.Len(t, manifests(t, dest), 1, "nothing committed")
		r := latestReport(t, dest)
		require.Equal(t, "failed", r["status"])
		require.Equal(t, 0.0, r["counts"].(map[string]any)["rows"], "no row was read")

		// The way out: allow the change; it is pinned from then on.
		orders(t, 0, dest, "changed.csv", "--hash-emails", "--allow-changed-options")
		m = manifests(t, dest)
		require.Len(t, m, 2)
		require.Equal(t, "true", m[1].Pinned["hash_emails"])
		errs = orders(t, exitUsage, dest, "basic.csv")
		require.Contains(t, errs, "hash_emails: this import has false, the orders were committed with true (version 2, import "+m[1].ImportID+")")
	})

	t.Run("hashed, then plain", func(t *testing.T) {
		dest := filepath.Join(dir, "hashed")
		orders(t, 0, dest, "basic.csv", "--hash-emails")
		errs := orders(t, exitUsage, dest, "changed.csv")
		require.Contains(t, errs, "hash_emails: this import has false, the orders were committed with true (version 1")
		orders(t, 0, dest, "changed.csv", "--hash-emails") // the same choice: fine
		require.Len(t, manifests(t, dest), 2)
	})

	t.Run("manifests without pinned options", func(t *testing.T) {
		dest := filepath.Join(dir, "old")
		orders(t, 0, dest, "basic.csv")
		// An older build wrote no "pinned": strip it.
		p := filepath.Join(dest, "_ingot", "log", fmt.Sprintf("%020d.json", 1))
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(data, &m))
		delete(m, "pinned")
		data, err = json.MarshalIndent(m, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		require.Nil(t, manifests(t, dest)[0].Pinned)

		orders(t, 0, dest, "changed.csv", "--hash-emails") // unknown before: allowed
		require.Equal(t, "true", manifests(t, dest)[1].Pinned["hash_emails"], "recorded from now on")
		orders(t, exitUsage, dest, "basic.csv")
	})

	t.Run("shopify order id", func(t *testing.T) {
		dest := filepath.Join(dir, "shop")
		shop := filepath.Join("..", "..", "testdata", "shopify", "orders.csv")
		code, _, errs := cli(t, "import", "orders", shop, "--format", "shopify-csv", "--dest", dest, "--max-rejected", "none", "--quiet")
		require.Equal(t, 0, code, errs)
		require.Equal(t, map[string]string{"hash_emails": "false", "order_id": "Name"}, manifests(t, dest)[0].Pinned)
		code, _, errs = cli(t, "import", "orders", shop, "--format", "shopify-csv", "--order-id", "Id", "--dest", dest, "--max-rejected", "none", "--quiet")
		require.Equal(t, exitUsage, code, errs)
		require.Contains(t, errs, "order_id: this import has Id, the orders were committed with Name (version 1")
		// kevel-csv has a fixed key: it pins no order_id.
		code, _, errs = cli(t, "import", "orders", fixture("basic.csv"), "--dest", dest, "--quiet")
		require.Equal(t, 0, code, errs)
		require.Equal(t, map[string]string{"hash_emails": "false"}, manifests(t, dest)[1].Pinned)
	})

	t.Run("customers merge and user id type, from a spec", func(t *testing.T) {
		dest := filepath.Join(dir, "crm")
		customers := abs(t, filepath.Join("..", "..", "testdata", "customers", "customers.csv"))
		update := abs(t, filepath.Join("..", "..", "testdata", "customers", "customers_update.csv"))
		spec := func(extra string) string {
			return writeFile(t, dir, "crm.yaml", fmt.Sprintf("kind: customers\nformat: csv\nsource: {uri: %s}\ndest: %s\nmax_rejected: none\n%s", update, dest, extra))
		}
		code, _, errs := cli(t, "import", "customers", customers, "--dest", dest, "--max-rejected", "none", "--quiet")
		require.Equal(t, 0, code, errs)
		require.Equal(t, map[string]string{"hash_emails": "false", "user_id_type": "email", "merge": "merge"}, manifests(t, dest)[0].Pinned)

		code, _, errs = cli(t, "import", "--spec", spec("merge: overwrite\nuser_id: {column: userId, type: email_sha256}\n"), "--quiet")
		require.Equal(t, exitUsage, code, errs)
		require.Contains(t, errs, "change 2 option(s) the warehouse's customers were committed with")
		require.Contains(t, errs, "merge: this import has overwrite, the customers were committed with merge (version 1")
		require.Contains(t, errs, "user_id_type: this import has email_sha256, the customers were committed with email (version 1")

		code, _, errs = cli(t, "import", "--spec", spec("merge: overwrite\nallow_changed_options: true\n"), "--quiet")
		require.Equal(t, 0, code, errs)
		require.Equal(t, "overwrite", manifests(t, dest)[1].Pinned["merge"])

		// Pins are per kind: products keep their own merge strategy.
		products := abs(t, filepath.Join("..", "..", "testdata", "products", "products.csv"))
		code, _, errs = cli(t, "import", "products", products, "--dest", dest, "--merge", "merge", "--max-rejected", "none", "--quiet")
		require.Equal(t, 0, code, errs)
	})
}

// TestFromReportKeepsRecordOptions: a dry run repeated with --from-report
// keeps the options of keyed kinds (user id, merge, ragged rows), so that
// it stores what the dry run showed and pins the same choices.
func TestFromReportKeepsRecordOptions(t *testing.T) {
	dir := t.TempDir()
	customers := filepath.Join("..", "..", "testdata", "customers", "ragged.csv")
	code, _, errs := cli(t, "import", "customers", customers, "--dest", filepath.Join(dir, "wh"), "--dry-run", "--report-dir", filepath.Join(dir, "dry"),
		"--merge", "overwrite", "--user-id", "userId", "--user-id-type", "email", "--on-ragged", "pad", "--allow-changed-options", "--max-rejected", "none", "--quiet")
	require.Equal(t, 0, code, errs)
	o, changed, err := ingot.FromReport(t.Context(), filepath.Join(dir, "dry", "report.json"))
	require.NoError(t, err)
	require.Empty(t, changed)
	require.Equal(t, "overwrite", o.Merge)
	require.Equal(t, "userId", o.UserIDColumn)
	require.Equal(t, "email", o.UserIDType)
	require.Equal(t, "pad", o.OnRagged)
	require.True(t, o.AllowChangedOptions)
	require.False(t, o.DryRun)
}
