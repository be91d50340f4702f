package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"ingot/transform"
)

// ExportMapping writes a mapping as a JSON array of attributes, in the
// spec's own form, for `ingot mapping export`. A value map whose keys
// are all text is a JSON object; one with a number, boolean or null key
// is a list of {"from", "to"} pairs, so that no key loses its type.
func ExportMapping(attrs []Attribute) ([]byte, error) {
	out := make([]map[string]any, 0, len(attrs))
	for _, a := range attrs {
		m := map[string]any{"attribute": a.Attribute, "header": a.Header, "type": a.Type.String()}
		if a.Mandatory {
			m["mandatory"] = true
		}
		if a.Fallback != "" {
			m["fallback"] = a.Fallback
		}
		if a.IgnoreOnUpdate {
			m["ignore_on_update"] = true
		}
		if len(a.Allowed) > 0 {
			m["allowed"] = a.Allowed
		}
		if a.Values != nil {
			m["values"] = jsonValueMap(a.Values)
		}
		out = append(out, m)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func jsonValue(v transform.Value) any {
	switch v.Type {
	case transform.TypeNumber, transform.TypeBool:
		return json.RawMessage(v.Text)
	case transform.TypeNull:
		return nil
	}
	return v.Text
}

func jsonValueMap(m *transform.ValueMap) any {
	typed := false
	for _, e := range m.Entries {
		typed = typed || e.From.Type != transform.TypeString
	}
	if !typed {
		obj := map[string]any{}
		for _, e := range m.Entries {
			obj[e.From.Text] = jsonValue(e.To)
		}
		return obj
	}
	pairs := make([]map[string]any, 0, len(m.Entries))
	for _, e := range m.Entries {
		pairs = append(pairs, map[string]any{"from": jsonValue(e.From), "to": jsonValue(e.To)})
	}
	return pairs
}

// ImportMapping reads a mapping written by ExportMapping (or by hand, in
// JSON or YAML) from file, checking it as a spec's mapping is checked.
func ImportMapping(data []byte, file string) ([]Attribute, error) {
	d := newDecoder(file, Options{Env: func(string) (string, bool) { return "", false }})
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Problems: []Problem{{File: file, Msg: "the mapping is empty"}}}
		}
		return nil, &Error{Problems: []Problem{yamlProblem(file, err)}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	var im Import
	d.mapping(root, "mapping", &im)
	if len(d.errs) > 0 {
		return nil, &Error{Problems: d.errs}
	}
	return im.Mapping, nil
}

// ReplaceMapping writes attrs as the mapping of the customers import of
// a spec's text (the root, or the one entry of imports of kind
// customers), keeping the rest of the spec and its comments, for `ingot
// mapping import`.
func ReplaceMapping(specText []byte, file string, attrs []Attribute) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(specText, &doc); err != nil {
		return nil, &Error{Problems: []Problem{yamlProblem(file, err)}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: expected a spec (a mapping)", file)
	}
	root := doc.Content[0]
	var targets []*yaml.Node
	if isKind(root, "customers") {
		targets = append(targets, root)
	}
	if imports := member(root, "imports"); imports != nil && imports.Kind == yaml.SequenceNode {
		for _, im := range imports.Content {
			if isKind(im, "customers") {
				targets = append(targets, im)
			}
		}
	}
	if len(targets) != 1 {
		return nil, fmt.Errorf("%s: expected exactly one customers import to take the mapping, found %d", file, len(targets))
	}
	node := MappingNode(attrs)
	t := targets[0]
	replaced := false
	for i := 0; i+1 < len(t.Content); i += 2 {
		if t.Content[i].Value == "mapping" {
			t.Content[i+1] = node
			replaced = true
		}
	}
	if !replaced {
		add(t, "mapping", node)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func member(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func isKind(m *yaml.Node, kind string) bool {
	k := member(m, "kind")
	return k != nil && k.Value == kind
}
