package transform

import (
	"fmt"
	"slices"

	"ingot/columnar"
)

// Attr is one attribute of a customers mapping, ready to run: its header
// in the (transformed) file, its name, and the rules of design section 4.
type Attr struct {
	Attribute, Header string
	Type              AttrType
	Allowed           []string // select values or list items; empty allows any
	Mandatory         bool     // an empty value (after the fallback) is an issue
	// Fallback, when HasFallback, replaces empty values and nulls: a date
	// fallback already evaluated for this run (DateExpr.Eval, then
	// FormatFallback).
	Fallback    string
	HasFallback bool
	Values      *ValueMap // value mapping, applied before the fallback and checks
}

// MappingSteps returns the steps that apply a mapping after a spec's
// transforms: keep only the mapped headers, renamed to their attributes
// (a header mapped twice is copied), then per attribute its value map, its
// fallback, and the checks of its type and of mandatory. A header the file
// lacks makes Apply fail with a StepError naming it, before any row is
// read.
func MappingSteps(attrs []Attr) ([]Step, error) {
	sel := Step{Op: OpSelect}
	var steps []Step
	seen := map[string]bool{}
	for _, a := range attrs {
		if a.Attribute == "" || a.Header == "" {
			return nil, fmt.Errorf("mapping: an attribute without a name or header")
		}
		if seen[a.Attribute] {
			return nil, fmt.Errorf("mapping: attribute %q is mapped twice", a.Attribute)
		}
		seen[a.Attribute] = true
		sel.Fields = append(sel.Fields, a.Header)
		sel.Names = append(sel.Names, a.Attribute)
		if a.Values != nil && len(a.Values.Entries) > 0 {
			steps = append(steps, Step{Op: OpMap, Field: a.Attribute, Map: a.Values})
		}
		if a.HasFallback {
			steps = append(steps, Step{Op: OpFill, Field: a.Attribute, Value: Value{Text: a.Fallback}})
		}
		steps = append(steps, Step{Op: OpCheck, Field: a.Attribute, Mandatory: a.Mandatory,
			Check: AttrCheck{Type: a.Type, Allowed: slices.Clone(a.Allowed)}})
	}
	if len(sel.Fields) == 0 {
		return nil, fmt.Errorf("mapping: no attributes")
	}
	sel.Field = sel.Fields[0]
	return append([]Step{sel}, steps...), nil
}

// fillColumn writes in into out with its empty values and nulls replaced
// by v.
func fillColumn(in, out *Column, v Value, text []byte) {
	if v.Type == TypeNull {
		text = nil
	}
	n := in.n
	out.reset(n)
	typed := in.Types != nil
	for i := range n {
		x := in.At(i)
		if len(x) == 0 || in.IsNull(i) {
			x = text
		}
		out.appendValue(x)
	}
	if typed {
		if cap(out.tbuf) < n {
			out.tbuf = make([]ValueType, n)
		}
		out.tbuf = out.tbuf[:n]
		for i := range n {
			t := in.Type(i)
			if len(in.At(i)) == 0 || t == TypeNull {
				t = v.Type
			}
			out.tbuf[i] = t
		}
		out.Types = out.tbuf
	}
}

// checkColumn adds the issues of a check step: Missing for an empty value
// of a mandatory attribute, Attr for a value not of its type.
func checkColumn(c *Column, st *Step, col int, codes Codes, is *columnar.Issues) {
	chk := st.Check
	chk.Col, chk.Code = col, codes.Attr
	if st.Mandatory {
		for i := range c.Len() {
			if len(c.At(i)) == 0 || c.IsNull(i) {
				is.Add(i, col, codes.Missing, int64(chk.Type))
			}
		}
	}
	chk.Check(c, is)
}
