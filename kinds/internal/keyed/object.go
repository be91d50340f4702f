package keyed

import (
	"bytes"
	"fmt"
	"slices"
)

// member is one attribute of an object: its key as written (a JSON
// string, quotes included) and its value's JSON.
type member struct {
	key, value []byte
}

// splitObject appends the members of obj, a compact JSON object as the
// binding writes it (no whitespace), to dst, in the order written. The
// members alias obj.
func splitObject(dst []member, obj []byte) ([]member, error) {
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return dst, fmt.Errorf("attributes: expected a JSON object, found %.40q", obj)
	}
	i, end := 1, len(obj)-1
	for i < end {
		k0 := i
		j, err := skipString(obj, i)
		if err != nil {
			return dst, err
		}
		if j >= end || obj[j] != ':' {
			return dst, fmt.Errorf("attributes: expected ':' at byte %d of %.40q", j, obj)
		}
		v0 := j + 1
		v1, err := skipValue(obj, v0, end)
		if err != nil {
			return dst, err
		}
		dst = append(dst, member{key: obj[k0:j], value: obj[v0:v1]})
		i = v1
		if i < end {
			if obj[i] != ',' || i+1 == end {
				return dst, fmt.Errorf("attributes: expected ',' and a member at byte %d of %.40q", i, obj)
			}
			i++
		}
	}
	return dst, nil
}

// skipString returns the index after the JSON string starting at i.
func skipString(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, fmt.Errorf("attributes: expected a string at byte %d of %.40q", i, b)
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return i, fmt.Errorf("attributes: unterminated string in %.40q", b)
}

// skipValue returns the index after the compact JSON value starting at i
// (strings skipped whole, objects and arrays by depth), stopping at end.
func skipValue(b []byte, i, end int) (int, error) {
	depth := 0
	for i < end {
		switch c := b[i]; c {
		case '"':
			j, err := skipString(b, i)
			if err != nil {
				return j, err
			}
			i = j
			if depth == 0 {
				return i, nil
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
			if depth < 0 {
				return i, fmt.Errorf("attributes: unbalanced %q at byte %d", c, i)
			}
		case ',':
			if depth == 0 {
				return i, nil
			}
		}
		i++
	}
	if depth != 0 {
		return i, fmt.Errorf("attributes: unterminated value in %.40q", b)
	}
	return i, nil
}

// sortMembers orders members by key bytes, the order every stored object
// has.
func sortMembers(ms []member) {
	slices.SortFunc(ms, func(a, b member) int { return bytes.Compare(a.key, b.key) })
}

// appendMembers appends ms as a JSON object.
func appendMembers(dst []byte, ms []member) []byte {
	dst = append(dst, '{')
	for i, m := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, m.key...)
		dst = append(dst, ':')
		dst = append(dst, m.value...)
	}
	return append(dst, '}')
}
