package ingot

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// layers is the dependency rule of README "Architecture": a package may
// import, of ingot's own packages, only those its layer allows (by import
// path prefix; "ingot/internal/" helpers are allowed everywhere). Imports
// run one way, from the CLI down to the leaves; a new package must be
// placed here, or the test fails.
var layers = []struct {
	pkg     string   // an import path, or a prefix ending in "/"
	imports []string // allowed import paths or prefixes ending in "/"
}{
	// Leaves: nothing of ours (issue names its codes in columnar.Code).
	{"ingot/columnar", nil},
	{"ingot/schema", nil},
	{"ingot/version", nil},
	{"ingot/issue", []string{"ingot/columnar"}},
	{"ingot/internal/", nil},
	// Reading: the leaves and formats' own small packages.
	{"ingot/formats/parse", nil},
	{"ingot/formats/source", nil},
	{"ingot/formats/compress", nil},
	{"ingot/formats/charset", nil},
	{"ingot/formats/csv", []string{"ingot/columnar", "ingot/issue", "ingot/formats/parse"}},
	{"ingot/formats/", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/formats/"}},
	{"ingot/formats", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/formats/"}},
	// Shared rules and reports, and the warehouse: the leaves only.
	{"ingot/validate", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/version"}},
	{"ingot/commit", []string{"ingot/columnar", "ingot/schema", "ingot/version"}},
	// The kinds' contract, and the kinds: no pipeline, no other kind.
	{"ingot/kinds", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/formats", "ingot/validate"}},
	// Helpers shared by kinds (kinds/internal/keyed: customers and
	// products) sit below them and import no kind either.
	{"ingot/kinds/internal/", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/formats", "ingot/formats/",
		"ingot/validate", "ingot/kinds"}},
	{"ingot/kinds/", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/formats", "ingot/formats/",
		"ingot/validate", "ingot/commit", "ingot/kinds", "ingot/kinds/internal/"}},
	// The generic stages know kinds only through their contract.
	{"ingot/pipeline", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/version", "ingot/formats",
		"ingot/formats/", "ingot/validate", "ingot/commit", "ingot/kinds", "ingot/transform", "ingot/transform/"}},
	// Transforms (vectorised column steps) and job specs: the leaves and
	// transform itself.
	{"ingot/transform", []string{"ingot/columnar", "ingot/issue", "ingot/schema"}},
	{"ingot/transform/", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/transform"}},
	{"ingot/spec", []string{"ingot/columnar", "ingot/issue", "ingot/schema", "ingot/transform", "ingot/transform/"}},
	{"ingot/schedule", nil},
	// The read-only web view reads the log, the events and the reports.
	{"ingot/serve", []string{"ingot/commit", "ingot/validate", "ingot/schedule"}},
	// The facade and registry, the benchmarks and the CLI: anything
	// below them.
	{"ingot", []string{"ingot/"}},
	{"ingot/bench", []string{"ingot"}},
	{"ingot/cmd/", []string{"ingot"}},
}

func allowedBy(path string, rules []string) bool {
	if strings.HasPrefix(path, "ingot/internal/") {
		return true
	}
	for _, r := range rules {
		if r == "ingot" || path == r || strings.HasSuffix(r, "/") && strings.HasPrefix(path, r) {
			return true
		}
	}
	return false
}

// TestImportRule enforces the layers with `go list`: no package may
// import one above it, so the layout cannot rot silently.
func TestImportRule(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the packages")
	}
	out, err := exec.Command(goBin, "list", "-tags=duckdb_arrow", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "ingot/...").Output()
	require.NoError(t, err)
	sc := bufio.NewScanner(bytes.NewReader(out))
	seen := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		pkg := f[0]
		var rules []string
		found := false
		for _, l := range layers {
			if pkg == l.pkg || strings.HasSuffix(l.pkg, "/") && strings.HasPrefix(pkg, l.pkg) {
				rules, found = l.imports, true
				break
			}
		}
		require.True(t, found, "package %s has no layer: add it to layers in layout_test.go (and to README's Architecture)", pkg)
		seen++
		for _, imp := range f[1:] {
			if imp != "ingot" && !strings.HasPrefix(imp, "ingot/") {
				continue
			}
			require.True(t, allowedBy(imp, rules), "%s imports %s, which its layer does not allow", pkg, imp)
		}
	}
	require.Greater(t, seen, 15)
}

// TestAllowedBy pins the prefix matching the rule relies on, so that the
// rule test above can fail.
func TestAllowedBy(t *testing.T) {
	require.True(t, allowedBy("ingot/formats/csv", []string{"ingot/formats/"}))
	require.False(t, allowedBy("ingot/formats", []string{"ingot/formats/"}))
	require.False(t, allowedBy("ingot/kinds/orders", []string{"ingot/kinds"}))
	require.True(t, allowedBy("ingot/internal/durable", nil))
	require.False(t, allowedBy("ingot/validate", []string{"ingot/commit"}))
	require.True(t, allowedBy("ingot/pipeline", []string{"ingot"}))
}
