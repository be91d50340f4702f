package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"ingot/transform"
)

const schemaPath = "../ingot.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("ingot.schema.json", doc))
	sch, err := c.Compile("ingot.schema.json")
	require.NoError(t, err)
	return sch
}

// instance turns a YAML (or JSON) spec into the JSON value the schema
// validates.
func instance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	require.NoError(t, yaml.Unmarshal(data, &v))
	j, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	require.NoError(t, err)
	return inst
}

// validSpecs are the example spec and the specs of the tests that decode
// without error.
func validSpecs(t *testing.T) map[string][]byte {
	specs := map[string][]byte{}
	paths, err := filepath.Glob("../testdata/spec/*.yaml")
	require.NoError(t, err)
	paths = append(paths, "testdata/example.resolved.yaml", "testdata/example.mapping.json")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		if filepath.Ext(p) == ".json" { // a mapping: wrap it in a spec
			data = append(append([]byte(`{"kind": "customers", "mapping": `), data...), '}')
		}
		specs[p] = data
	}
	specs["single"] = []byte("kind: orders\nformat: shopify-csv\norder_id: Id\ntransforms:\n  - delete: {field: Notes}\n  - map: {field: s, values: [{from: 1, to: paid}, {from: null, to: x}]}\n")
	specs["json"] = []byte(`{"kind": "customers", "source": {"uri": ["a.jsonl"]}, "max_rejected": 10, "transforms": [{"cast": {"field": "age", "to": "integer"}}]}`)
	specs["minimal"] = []byte("kind: events\n")
	specs["imports only"] = []byte("imports:\n  - kind: products\n    merge: overwrite\n")
	return specs
}

// TestSchemaAcceptsValidSpecs validates every spec the decoder accepts
// against the shipped schema.
func TestSchemaAcceptsValidSpecs(t *testing.T) {
	sch := compileSchema(t)
	for name, data := range validSpecs(t) {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(data, name, Options{Env: env("FEED_TOKEN", "x")})
			require.NoError(t, err, "decoder")
			require.NoError(t, sch.Validate(instance(t, data)), "schema")
		})
	}
}

// semanticCases are the error cases the schema cannot see: syntax, values
// only the decoder checks (cron, patterns, date expressions, encodings,
// one-character delimiters), cross-field rules, and the environment.
var semanticCases = []string{"empty", "syntax", "delimiter", "encoding", "schedule", "timestamp pattern",
	"timestamp zone", "date fallback", "numeric fallback", "select fallback", "allowed on string",
	"attribute twice", "hash contradiction", "missing env", "bad env name", "two documents"}

// TestSchemaRejectsInvalidSpecs checks that the schema rejects every
// error case the decoder rejects, but those it cannot express.
func TestSchemaRejectsInvalidSpecs(t *testing.T) {
	sch := compileSchema(t)
	for _, tc := range errorCases {
		if slices.Contains(semanticCases, tc.name) {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, sch.Validate(instance(t, []byte(tc.spec))))
		})
	}
}

// TestSchemaKeys checks, object by object, that the keys the schema allows
// are the keys the decoder accepts: the field tables the decoder runs on
// against the schema's properties.
func TestSchemaKeys(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	var s map[string]any
	require.NoError(t, json.Unmarshal(raw, &s))
	get := func(v any, path ...any) any {
		for _, p := range path {
			switch p := p.(type) {
			case string:
				v = v.(map[string]any)[p]
			case int:
				v = v.([]any)[p]
			}
			require.NotNil(t, v, "schema path %v", path)
		}
		return v
	}
	props := func(v any) []string {
		var keys []string
		for k := range v.(map[string]any)["properties"].(map[string]any) {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys
	}
	keys := func(f fields) []string {
		var ks []string
		for k := range f {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	d := newDecoder("", Options{})
	defs := get(s, "$defs")
	importKeys := keys(d.importFields(&Import{}, map[string]*yaml.Node{}))
	require.Equal(t, importKeys, props(get(defs, "importFields")), "import")
	require.Equal(t, []string{"imports", "schedule"}, props(s), "root-only keys")
	require.Equal(t, keys(d.sourceFields(&Source{})), props(get(defs, "source")), "source")
	require.Equal(t, keys(d.csvFields(&CSV{})), props(get(defs, "source", "properties", "csv")), "source.csv")
	require.Equal(t, keys(d.userIDFields(&UserID{})), props(get(defs, "userId")), "user_id")
	var tn, fn, an *yaml.Node
	require.Equal(t, keys(d.attributeFields(&Attribute{}, &tn, &fn, &an)), props(get(defs, "attribute")), "mapping item")
	var from, to *yaml.Node
	require.Equal(t, keys(pairFields(&from, &to)), props(get(defs, "valueMap", "oneOf", 1, "items")), "value map pair")

	// Transforms: the operations, then each one's arguments.
	ops := get(defs, "transform", "oneOf").([]any)
	var schemaOps []string
	for _, o := range ops {
		schemaOps = append(schemaOps, props(o)...)
	}
	sort.Strings(schemaOps)
	decOps := keys(fieldsOf(d.stepFields()))
	require.Equal(t, decOps, schemaOps, "transform operations")
	require.ElementsMatch(t, opKeys, decOps)
	var st transform.Step
	var pat *yaml.Node
	args := map[string]fields{
		"rename": d.renameFields(&st), "copy": d.copyFields(&st), "new": d.newFields(&st),
		"delete": d.deleteFields(&st), "map": d.mapFields(&st), "timestamp": d.timestampFields(&st, &pat),
		"cast": d.castFields(&st), "derive": d.deriveFields(&st),
	}
	for i, o := range ops {
		op := props(o)[0]
		schemaArgs := get(o, "properties", op)
		if op == "delete" {
			schemaArgs = get(schemaArgs, "oneOf", 1)
		}
		require.Equal(t, keys(args[op]), props(schemaArgs), "arguments of %s (oneOf %d)", op, i)
	}

	// The import-only keys the root of a spec with imports refuses are the
	// ones the schema forbids there, and together with the shared keys
	// they are every import key.
	require.ElementsMatch(t, importOnlyKeys, props(get(s, "dependentSchemas", "imports")))
	require.ElementsMatch(t, importKeys, append(slices.Clone(sharedKeys), importOnlyKeys...))

	// Enumerations the decoder checks by list.
	require.Equal(t, toAny(castNames), get(ops[6], "properties", "cast", "properties", "to", "enum"))
	require.Equal(t, toAny(transform.AttrTypeNames()), get(defs, "attribute", "properties", "type", "enum"))
	require.ElementsMatch(t, toAny(kindOrder), get(defs, "importFields", "properties", "kind", "enum"))
}

func fieldsOf(m map[string]stepDecoder) fields {
	f := fields{}
	for k := range m {
		f[k] = nil
	}
	return f
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
