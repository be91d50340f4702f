package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

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
//
// It first replaces only the lines of the old mapping (or inserts the
// new one after the import's last line), so that every other byte of
// the file stays as it was; it checks the result by parsing it again:
// the same YAML tree as the original with the new mapping in place.
// Where the spec's layout defeats that (a flow-style import, say), it
// falls back to re-encoding the YAML tree, which keeps comments but not
// the original formatting.
func ReplaceMapping(specText []byte, file string, attrs []Attribute) ([]byte, error) {
	doc, target, err := mappingTarget(specText, file)
	if err != nil {
		return nil, err
	}
	node := MappingNode(attrs)
	// What the result must parse to: the original tree, new mapping in.
	want, wantTarget, _ := mappingTarget(specText, file)
	setMember(wantTarget, "mapping", MappingNode(attrs))
	if out, ok := spliceMapping(specText, target, node); ok {
		var got yaml.Node
		if yaml.Unmarshal(out, &got) == nil && sameTree(&got, want) {
			return out, nil
		}
	}
	setMember(target, "mapping", node)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// setMember sets key to v in mapping m, adding it at the end if absent.
func setMember(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	add(m, key, v)
}

// spliceMapping replaces, in the text, the lines of target's mapping
// (from its key to the last line of its value) by node rendered at the
// key's indentation, or inserts it after target's last line. ok is
// false when the layout does not allow it (a flow-style import, or a
// mapping key sharing its line with something else).
func spliceMapping(text []byte, target, node *yaml.Node) ([]byte, bool) {
	if target.Style&yaml.FlowStyle != 0 || len(target.Content) == 0 {
		return nil, false
	}
	lines := bytes.SplitAfter(text, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	indent := target.Content[0].Column - 1
	var from, to int // 0-based line range [from, to) to replace
	key, val := (*yaml.Node)(nil), (*yaml.Node)(nil)
	for i := 0; i+1 < len(target.Content); i += 2 {
		if target.Content[i].Value == "mapping" {
			key, val = target.Content[i], target.Content[i+1]
		}
	}
	if key != nil {
		if key.Column-1 != indent || !onlyIndent(lines[key.Line-1][:key.Column-1]) {
			return nil, false // the key shares its line with something else
		}
		from, to = key.Line-1, valueEnd(lines, val, indent)
	} else {
		last := target.Content[len(target.Content)-1]
		from = valueEnd(lines, last, indent)
		to = from
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	wrapper := mapNode()
	add(wrapper, "mapping", node)
	if enc.Encode(wrapper) != nil || enc.Close() != nil {
		return nil, false
	}
	pad := strings.Repeat(" ", indent)
	var out bytes.Buffer
	for _, l := range lines[:from] {
		out.Write(l)
	}
	if from > 0 && !bytes.HasSuffix(lines[from-1], []byte("\n")) {
		out.WriteByte('\n')
	}
	for _, l := range bytes.SplitAfter(b.Bytes(), []byte("\n")) {
		if len(l) > 0 {
			out.WriteString(pad)
			out.Write(l)
		}
	}
	for _, l := range lines[to:] {
		out.Write(l)
	}
	return out.Bytes(), true
}

// valueEnd returns the 0-based line after the last line of the value v
// of a key indented by indent: v's last node's line, then every line
// indented deeper that is not blank or a comment (the rest of a flow
// collection or a multi-line scalar).
func valueEnd(lines [][]byte, v *yaml.Node, indent int) int {
	end := lastLine(v) // 1-based: the 0-based line after it
	for end < len(lines) {
		l := lines[end]
		t := bytes.TrimLeft(l, " ")
		if len(bytes.TrimSpace(t)) == 0 || t[0] == '#' || len(l)-len(t) <= indent {
			break
		}
		end++
	}
	return end
}

// lastLine returns the largest line of n and its descendants.
func lastLine(n *yaml.Node) int {
	m := n.Line
	for _, c := range n.Content {
		m = max(m, lastLine(c))
	}
	return m
}

func onlyIndent(b []byte) bool { return len(bytes.TrimLeft(b, " ")) == 0 }

// sameTree reports whether two YAML trees hold the same data: the same
// kinds, resolved tags and values, whatever their style, positions and
// comments.
func sameTree(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || len(a.Content) != len(b.Content) {
		return false
	}
	if a.Kind == yaml.ScalarNode && (a.Value != b.Value || a.ShortTag() != b.ShortTag()) {
		return false
	}
	if a.Kind == yaml.AliasNode && a.Value != b.Value {
		return false
	}
	for i := range a.Content {
		if !sameTree(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// mappingTarget parses a spec's text and returns its document and the
// one customers import that takes a mapping.
func mappingTarget(specText []byte, file string) (*yaml.Node, *yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(specText, &doc); err != nil {
		return nil, nil, &Error{Problems: []Problem{yamlProblem(file, err)}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s: expected a spec (a mapping)", file)
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
		return nil, nil, fmt.Errorf("%s: expected exactly one customers import to take the mapping, found %d", file, len(targets))
	}
	return &doc, targets[0], nil
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
