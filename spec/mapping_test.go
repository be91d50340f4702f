package spec

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/transform"
)

// TestReplaceMappingKeepsTheRest round-trips the example spec's mapping
// through JSON (export, edit, import) and checks that only the mapping's
// lines changed: every comment and every other line is kept byte for
// byte.
func TestReplaceMappingKeepsTheRest(t *testing.T) {
	text, err := os.ReadFile(examplePath)
	require.NoError(t, err)
	s, err := Parse(text, "example.yaml", Options{Env: env()})
	require.NoError(t, err)
	exported, err := ExportMapping(s.Imports[0].Mapping)
	require.NoError(t, err)

	// Unchanged: the mapping goes back as it came out.
	attrs, err := ImportMapping(exported, "m.json")
	require.NoError(t, err)
	out, err := ReplaceMapping(text, "example.yaml", attrs)
	require.NoError(t, err)
	again, err := Parse(out, "example.yaml", Options{Env: env()})
	require.NoError(t, err)
	reexported, err := ExportMapping(again.Imports[0].Mapping)
	require.NoError(t, err)
	require.Equal(t, string(exported), string(reexported))

	// Edited: one attribute less, one more.
	attrs = append(attrs[1:], Attribute{Attribute: "vip", Header: "VIP", Type: transform.AttrBoolean, Fallback: "false"})
	out, err = ReplaceMapping(text, "example.yaml", attrs)
	require.NoError(t, err)
	again, err = Parse(out, "example.yaml", Options{Env: env()})
	require.NoError(t, err)
	require.Len(t, again.Imports[0].Mapping, len(attrs))
	require.Equal(t, "vip", again.Imports[0].Mapping[len(attrs)-1].Attribute)
	require.Equal(t, s.Imports[0].Transforms, again.Imports[0].Transforms)
	require.Equal(t, s.Imports[2].Transforms, again.Imports[2].Transforms)

	// Only the mapping's lines differ: the text before its key and after
	// its last line is the same.
	before, after := mappingLines(t, string(text))
	gotBefore, gotAfter := mappingLines(t, string(out))
	require.Equal(t, before, gotBefore)
	require.Equal(t, after, gotAfter)
	require.Contains(t, string(out), "# The attributes to import (without a mapping", "comments outside the mapping stay")
	require.NotContains(t, string(out), "# Date fallbacks are evaluated", "comments inside the old mapping go with it")
	require.Contains(t, string(out), "# Bring a retail export's columns into the Kevel orders schema.")
}

// mappingLines splits a spec's text around its first "    mapping:"
// block: the text before the key, and the text from the first line after
// it that is indented no deeper than the key.
func mappingLines(t *testing.T, text string) (string, string) {
	t.Helper()
	i := strings.Index(text, "\n    mapping:\n")
	require.Positive(t, i)
	rest := text[i+len("\n    mapping:\n"):]
	lines := strings.SplitAfter(rest, "\n")
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "      ") || strings.HasPrefix(strings.TrimSpace(l), "#") && strings.HasPrefix(l, "      ") {
			n += len(l)
			continue
		}
		break
	}
	return text[:i], rest[n:]
}

func TestReplaceMappingLayouts(t *testing.T) {
	attrs := []Attribute{{Attribute: "email", Header: "E-Mail", Type: transform.AttrEmail, Mandatory: true}}
	tests := []struct{ name, in, want string }{
		{"root, added at the end", "# spec\nkind: customers   # the kind\nsource: {uri: c.csv}\n",
			"# spec\nkind: customers   # the kind\nsource: {uri: c.csv}\nmapping:\n  - {attribute: email, header: E-Mail, type: email, mandatory: true}\n"},
		{"root, replaced in the middle", "kind: customers\nmapping:\n  - {attribute: old}\n  # a comment on the next key\ndest: ./wh # where\n",
			"kind: customers\nmapping:\n  - {attribute: email, header: E-Mail, type: email, mandatory: true}\n  # a comment on the next key\ndest: ./wh # where\n"},
		{"in imports, added", "imports:\n  - kind: orders\n  - kind: customers\n    source:\n      uri: c.csv\n  - kind: products # last\n",
			"imports:\n  - kind: orders\n  - kind: customers\n    source:\n      uri: c.csv\n    mapping:\n      - {attribute: email, header: E-Mail, type: email, mandatory: true}\n  - kind: products # last\n"},
		{"flow mapping spanning lines", "kind: customers\nmapping: [{attribute: a},\n   {attribute: b}]\nschedule: '@daily'\n",
			"kind: customers\nmapping:\n  - {attribute: email, header: E-Mail, type: email, mandatory: true}\nschedule: '@daily'\n"},
		{"no final newline", "kind: customers", "kind: customers\nmapping:\n  - {attribute: email, header: E-Mail, type: email, mandatory: true}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ReplaceMapping([]byte(tc.in), "s.yaml", attrs)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(out))
		})
	}

	// A flow-style import cannot be spliced: the YAML is re-encoded, with
	// the same data.
	out, err := ReplaceMapping([]byte("imports: [{kind: customers, mapping: [{attribute: a}]}]\n"), "s.yaml", attrs)
	require.NoError(t, err)
	s, err := Parse(out, "s.yaml", Options{Env: env()})
	require.NoError(t, err)
	require.Equal(t, "email", s.Imports[0].Mapping[0].Attribute)
}
