package ingot

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const (
	readmeExampleMarker = "<!-- the example spec: testdata/spec/example.yaml, verbatim -->\n```yaml\n"
	exampleSpecPath     = "testdata/spec/example.yaml"
)

// TestReadmeExampleSpec keeps the README's example spec from rotting: it
// is the test fixture, byte for byte, and that fixture decodes with this
// build's formats and validates against the shipped schema.
func TestReadmeExampleSpec(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), readmeExampleMarker)
	require.True(t, ok, "README.md lost the marker of its example spec")
	block, _, ok := strings.Cut(rest, "```\n")
	require.True(t, ok, "the README's example spec block is not closed")
	fixture, err := os.ReadFile(exampleSpecPath)
	require.NoError(t, err)
	require.Equal(t, string(fixture), block, "README.md's example spec differs from %s: copy it over", exampleSpecPath)

	t.Setenv("FEED_TOKEN", "x")
	s, err := LoadSpec(exampleSpecPath)
	require.NoError(t, err)
	require.Len(t, s.Imports, 4)
	require.NotEmpty(t, s.Schedule)

	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SpecSchema()))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("ingot.schema.json", doc))
	sch, err := c.Compile("ingot.schema.json")
	require.NoError(t, err)
	var v any
	require.NoError(t, yaml.Unmarshal(fixture, &v))
	j, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst))
}
