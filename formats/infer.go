package formats

import (
	"strings"
	"time"
)

// The value types InferType finds.
const (
	TypeEmpty     = "empty" // no value at all
	TypeBool      = "bool"
	TypeInteger   = "integer"
	TypeDecimal   = "decimal"
	TypeTimestamp = "timestamp"
	TypeEmail     = "email"
	TypeString    = "string"
)

// timestampLayouts are the timestamp shapes InferType knows: a Go layout
// and the same pattern in the Java/Joda letters of job specs' timestamp
// transforms. The first that reads every value wins, so day-first
// layouts come after month-first ones of the same shape (a value whose
// first number is above 12 settles it).
var timestampLayouts = []struct{ layout, pattern string }{
	{time.RFC3339Nano, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"},
	{"2006-01-02T15:04:05Z0700", "yyyy-MM-dd'T'HH:mm:ssZ"},
	{"2006-01-02T15:04:05", "yyyy-MM-dd'T'HH:mm:ss"},
	{"2006-01-02 15:04:05 -0700", "yyyy-MM-dd HH:mm:ss Z"},
	{"2006-01-02 15:04:05Z07:00", "yyyy-MM-dd HH:mm:ssXXX"},
	{"2006-01-02 15:04:05", "yyyy-MM-dd HH:mm:ss"},
	{"2006-01-02 15:04", "yyyy-MM-dd HH:mm"},
	{"2006-01-02", "yyyy-MM-dd"},
	{"2006/01/02", "yyyy/MM/dd"},
	{"1/2/2006 15:04:05", "M/d/yyyy H:mm:ss"},
	{"1/2/2006 15:04", "M/d/yyyy H:mm"},
	{"1/2/06 15:04", "M/d/yy H:mm"},
	{"1/2/2006", "M/d/yyyy"},
	{"2/1/2006 15:04", "d/M/yyyy H:mm"},
	{"2/1/2006", "d/M/yyyy"},
	{"1/2/06", "M/d/yy"},
	{"2/1/06", "d/M/yy"},
	{"02.01.2006 15:04:05", "dd.MM.yyyy HH:mm:ss"},
	{"02.01.2006 15:04", "dd.MM.yyyy HH:mm"},
	{"02.01.2006", "dd.MM.yyyy"},
}

// InferType returns the narrowest type every non-empty value of a column
// has — bool (true/false, yes/no), integer, decimal (a point or a comma
// before the decimals, an exponent), timestamp with its pattern in
// Java/Joda letters (yyyy-MM-dd HH:mm:ss, …), email, else string — and
// "" as the pattern for types other than timestamp. A column of empty
// values is TypeEmpty.
func InferType(values []string) (typ, pattern string) {
	is := map[string]bool{TypeBool: true, TypeInteger: true, TypeDecimal: true, TypeTimestamp: true, TypeEmail: true}
	var nonEmpty []string
	for _, raw := range values {
		v := strings.TrimSpace(raw)
		if v == "" {
			continue
		}
		nonEmpty = append(nonEmpty, v)
		if is[TypeBool] && !isBool(v) {
			is[TypeBool] = false
		}
		if is[TypeInteger] && !isInteger(v) {
			is[TypeInteger] = false
		}
		if is[TypeDecimal] && !isDecimal(v) {
			is[TypeDecimal] = false
		}
		if is[TypeEmail] && !isEmail(v) {
			is[TypeEmail] = false
		}
		if is[TypeTimestamp] && (len(v) < 6 || v[0] < '0' || v[0] > '9') {
			is[TypeTimestamp] = false
		}
	}
	ts := -1
	if is[TypeTimestamp] && !is[TypeInteger] && !is[TypeDecimal] {
		ts = timestampLayout(nonEmpty)
	}
	is[TypeTimestamp] = ts >= 0
	switch {
	case len(nonEmpty) == 0:
		return TypeEmpty, ""
	case is[TypeBool]:
		return TypeBool, ""
	case is[TypeInteger]:
		return TypeInteger, ""
	case is[TypeDecimal]:
		return TypeDecimal, ""
	case is[TypeTimestamp]:
		return TypeTimestamp, timestampLayouts[ts].pattern
	case is[TypeEmail]:
		return TypeEmail, ""
	}
	return TypeString, ""
}

// timestampLayout returns the index of the first layout that reads
// every value, or -1.
func timestampLayout(values []string) int {
next:
	for i := range timestampLayouts {
		for _, v := range values {
			if _, err := time.Parse(timestampLayouts[i].layout, v); err != nil {
				continue next
			}
		}
		return i
	}
	return -1
}

func isBool(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no":
		return true
	}
	return false
}

func isInteger(v string) bool {
	if v[0] == '-' { // not '+': +4915112345678 is a phone number
		v = v[1:]
	}
	if v == "" || len(v) > 19 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func isDecimal(v string) bool {
	if v[0] == '-' {
		v = v[1:]
	}
	digits, sep, exp := 0, false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case (c == '.' || c == ',') && !sep && !exp:
			sep = true
		case (c == 'e' || c == 'E') && digits > 0 && !exp && i+1 < len(v):
			exp = true
			if v[i+1] == '-' || v[i+1] == '+' {
				i++
			}
		default:
			return false
		}
	}
	return digits > 0
}

func isEmail(v string) bool {
	at := strings.IndexByte(v, '@')
	if at <= 0 || at != strings.LastIndexByte(v, '@') || strings.ContainsAny(v, " \t,;<>") {
		return false
	}
	dot := strings.LastIndexByte(v[at:], '.')
	return dot > 1 && at+dot < len(v)-1
}
