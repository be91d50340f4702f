package transform

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"ingot/columnar"
)

// AttrType is the type of a customer attribute in a mapping.
type AttrType uint8

// The attribute types of a mapping.
const (
	AttrString AttrType = iota
	AttrNumeric
	AttrDate
	AttrDatetime
	AttrBoolean
	AttrSelect
	AttrList
	AttrURL
	AttrEmail
)

var attrNames = [...]string{"string", "numeric", "date", "datetime", "boolean", "select", "list", "url", "email"}

// AttrTypeNames lists the spellings of the attribute types, in order.
func AttrTypeNames() []string { return attrNames[:] }

func (a AttrType) String() string {
	if int(a) < len(attrNames) {
		return attrNames[a]
	}
	return "attr?"
}

// ParseAttrType parses an attribute type name.
func ParseAttrType(s string) (AttrType, bool) {
	for i, n := range attrNames {
		if s == n {
			return AttrType(i), true
		}
	}
	return 0, false
}

// AttrCheck validates the values of one mapped attribute's column.
type AttrCheck struct {
	Type AttrType
	// Allowed lists the allowed values of a select (each value) or a list
	// (each item); empty allows any.
	Allowed []string
	// Sep separates the items of a list written as text; default ';'.
	Sep byte
	// Col is the column index the issues name, and Code their code.
	Col  int
	Code columnar.Code
}

// Check adds an issue for every non-empty, non-null value of c that is not
// of the attribute's type. Arg of the issue is the attribute type. Empty
// values are for the mapping's mandatory and fallback rules, not for type
// checks.
func (a *AttrCheck) Check(c *Column, issues *columnar.Issues) {
	n := c.Len()
	for i := range n {
		v := c.At(i)
		if len(v) == 0 || c.IsNull(i) {
			continue
		}
		if !a.Valid(v, c.Type(i)) {
			issues.Add(i, a.Col, a.Code, int64(a.Type))
		}
	}
}

// Valid reports whether one value, of JSON type t (TypeString for text),
// is of the attribute's type.
func (a *AttrCheck) Valid(v []byte, t ValueType) bool {
	switch a.Type {
	case AttrString:
		return t != TypeRaw
	case AttrNumeric:
		if t == TypeBool || t == TypeRaw {
			return false
		}
		_, ok := columnar.ParseDecimal(v)
		return ok
	case AttrDate:
		v = columnar.TrimSpace(v)
		_, ok := columnar.ParseTimestamp(v)
		return ok && len(v) == 10 && t == TypeString
	case AttrDatetime:
		_, ok := columnar.ParseTimestamp(v)
		return ok && t == TypeString
	case AttrBoolean:
		if t == TypeRaw {
			return false
		}
		_, ok := columnar.ParseBool(v)
		return ok
	case AttrSelect:
		return t != TypeRaw && a.allowed(v)
	case AttrList:
		if t == TypeRaw {
			return len(v) > 0 && v[0] == '[' // the JSON reader keeps arrays as their text
		}
		sep := a.Sep
		if sep == 0 {
			sep = ';'
		}
		for len(v) > 0 {
			j := bytes.IndexByte(v, sep)
			if j < 0 {
				j = len(v)
			}
			if item := columnar.TrimSpace(v[:j]); len(item) > 0 && !a.allowed(item) {
				return false
			}
			if j == len(v) {
				break
			}
			v = v[j+1:]
		}
		return true
	case AttrURL:
		return t == TypeString && ValidURL(columnar.TrimSpace(v))
	case AttrEmail:
		return t == TypeString && ValidEmail(columnar.TrimSpace(v))
	}
	return false
}

func (a *AttrCheck) allowed(v []byte) bool {
	if len(a.Allowed) == 0 {
		return true
	}
	v = columnar.TrimSpace(v)
	for _, s := range a.Allowed {
		if string(v) == s {
			return true
		}
	}
	return false
}

// ValidURL reports whether v is an absolute http or https URL with a host
// and no spaces.
func ValidURL(v []byte) bool {
	var rest []byte
	switch {
	case len(v) > 7 && strings.EqualFold(string(v[:7]), "http://"):
		rest = v[7:]
	case len(v) > 8 && strings.EqualFold(string(v[:8]), "https://"):
		rest = v[8:]
	default:
		return false
	}
	host := rest
	if j := bytes.IndexAny(rest, "/?#"); j >= 0 {
		host = rest[:j]
	}
	if len(host) == 0 || host[0] == '.' || host[0] == ':' {
		return false
	}
	for _, c := range v {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// ValidEmail reports whether v looks like an e-mail address: one @, a
// non-empty local part without spaces, and a domain of dot-separated
// labels of letters, digits and hyphens with at least one dot.
func ValidEmail(v []byte) bool {
	at := bytes.IndexByte(v, '@')
	if at <= 0 || at > 64 || bytes.IndexByte(v[at+1:], '@') >= 0 {
		return false
	}
	for _, c := range v[:at] {
		if c <= ' ' || c == 0x7f || c == '"' || c == '(' || c == ')' || c == ',' || c == ':' || c == ';' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' {
			return false
		}
	}
	dom := v[at+1:]
	if len(dom) < 3 || len(dom) > 253 || bytes.IndexByte(dom, '.') < 0 {
		return false
	}
	label := 0
	for i, c := range dom {
		switch {
		case c == '.':
			if label == 0 || dom[i-1] == '-' {
				return false
			}
			label = 0
		case c == '-':
			if label == 0 {
				return false
			}
			label++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80:
			label++
		default:
			return false
		}
		if label > 63 {
			return false
		}
	}
	return label > 0 && dom[len(dom)-1] != '-'
}

// FormatFallback formats the instant of a fallback date (DateExpr.Eval) for an attribute
// of type t: 2026-04-07 for a date, 2026-04-07T14:30:00Z for a datetime.
// Other types take the expression's text as it is, so a fallback is only
// a date expression for date and datetime attributes.
func FormatFallback(t AttrType, at time.Time) (string, error) {
	micros := at.UnixMicro()
	switch t {
	case AttrDate:
		return string(columnar.AppendTimestamp(nil, micros)[:10]), nil
	case AttrDatetime:
		return string(columnar.AppendTimestamp(nil, micros)), nil
	}
	return "", fmt.Errorf("a %s attribute has no date fallback", t)
}
