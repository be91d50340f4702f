package json

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// checkDocument checks that data is one JSON text (any value), as the
// reader's scanner sees it, returning a *ParseError if not.
func checkDocument(data []byte) error {
	r := &Reader{buf: data, opt: Options{}.withDefaults(), source: "doc", sline: 1}
	r.key.set = -1
	if bytes.HasPrefix(data, bom) {
		r.p = len(bom)
	}
	r.lim, r.hard = len(data), true
	r.ws()
	st := sFail
	if r.p < r.lim {
		_, st = r.rawValue(&r.key, columnar.RowLevel, 1)
	} else {
		r.fail(ProbValue, r.p)
	}
	if st == sOK {
		r.ws()
		if r.p < r.lim {
			st = r.fail(ProbEndOfInput, r.p)
		}
	}
	if st != sOK {
		return r.fatal(ErrSyntax, r.prob.String(), r.probAt)
	}
	return nil
}

// within runs f and fails the test if it takes longer than d (a hang).
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
	}
}

func TestJSONTestSuite(t *testing.T) {
	dir := shareddata.Path(t, "corpora", "JSONTestSuite", "test_parsing")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.Greater(t, len(files), 300)
	var accepted, rejected []string
	for _, path := range files {
		name := filepath.Base(path)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		t.Run(name, func(t *testing.T) {
			within(t, 10*time.Second, func() {
				docErr := checkDocument(data)
				switch name[0] {
				case 'y':
					require.NoError(t, docErr)
				case 'n':
					var pe *ParseError
					require.ErrorAs(t, docErr, &pe)
					require.Positive(t, pe.Line)
					require.Positive(t, pe.Column)
				case 'i':
					if docErr == nil {
						accepted = append(accepted, name)
					} else {
						rejected = append(rejected, name)
					}
				}
				checkSuiteReaders(t, name, data)
			})
		})
	}
	t.Logf("i_ files accepted: %s", strings.Join(accepted, " "))
	t.Logf("i_ files rejected: %s", strings.Join(rejected, " "))
}

// checkSuiteReaders feeds a suite file to the readers: as an array when
// it is one, as one JSON line when it has no line break inside, and with
// automatic detection always. A y_ file must read cleanly (a y_ value
// that is not an object is a rejected record, the only thing the shapes
// allow), an n_ file must not give a clean row, and none may panic.
func checkSuiteReaders(t *testing.T, name string, data []byte) {
	verdict := name[0]
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, bom), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		res := read(t, string(data), Options{Shape: Array}, func(r io.Reader) io.Reader { return r })
		switch verdict {
		case 'y':
			require.NoError(t, res.err)
		case 'n':
			var pe *ParseError
			require.ErrorAs(t, res.err, &pe, "an n_ array must fail the file")
		}
	}
	if body := bytes.TrimRight(data, "\r\n"); !bytes.ContainsAny(body, "\n") {
		res := read(t, string(body)+"\n", Options{Shape: Lines}, func(r io.Reader) io.Reader { return r })
		require.NoError(t, res.err)
		isObject := len(trimmed) > 0 && trimmed[0] == '{'
		switch {
		case verdict == 'y' && isObject:
			require.True(t, accepted(res), "rows %q issues %v", res.rows, res.issues)
		case verdict == 'n':
			require.False(t, accepted(res), "an n_ line must be rejected: rows %q", res.rows)
		}
	}
	// Automatic detection: anything but a panic or a hang.
	_ = read(t, string(data), Options{}, func(r io.Reader) io.Reader { return r })
}

// accepted is true when a Lines result has a row and no syntax or depth
// issue (warnings such as a duplicate key do not reject it).
func accepted(res result) bool {
	if len(res.rows) == 0 {
		return false
	}
	for _, is := range res.issues {
		if is.Code == CodeSyntax || is.Code == CodeTooDeep {
			return false
		}
	}
	return true
}

// TestJSONTestSuiteTransform pins what the reader makes of the suite's
// test_transform files, which have no verdict: the value of a one-element
// array is read as the value of key "v", an object as it is.
func TestJSONTestSuiteTransform(t *testing.T) {
	dir := shareddata.Path(t, "corpora", "JSONTestSuite", "test_transform")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	var out strings.Builder
	for _, path := range files {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		s := strings.TrimSpace(string(data))
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			s = `{"v":` + s[1:len(s)-1] + `}`
		}
		res := read(t, s+"\n", Options{Shape: Lines}, func(r io.Reader) io.Reader { return r })
		require.NoError(t, res.err)
		fmt.Fprintf(&out, "%s\n  in:   %q\n", filepath.Base(path), s)
		for _, row := range res.rows {
			fmt.Fprintf(&out, "  row:  %q\n", row)
		}
		for _, is := range res.issues {
			fmt.Fprintf(&out, "  issue: %s\n", Message(is.Code, is.Arg))
		}
	}
	golden := filepath.Join("testdata", "jsontestsuite_transform.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o777))
		require.NoError(t, os.WriteFile(golden, []byte(out.String()), 0o666))
	}
	want, err := os.ReadFile(golden)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s missing: run with -update", golden)
	}
	require.NoError(t, err)
	require.Equal(t, string(want), out.String())
}
