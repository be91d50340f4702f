package transform

import "fmt"

// mapper is a compiled ValueMap: lookups by text (untyped columns) and by
// type and text (typed columns), with no allocation per value.
type mapper struct {
	to         []Value
	toText     [][]byte
	nullTarget bool
	byText     map[string]int32 // text → entry, for untyped columns
	byTyped    map[string]int32 // type byte + text → entry, for typed columns
	null       int32            // entry of the null key, or -1
	key        []byte           // scratch for typed keys
}

func compileMap(m *ValueMap) (*mapper, error) {
	mp := &mapper{byText: map[string]int32{}, byTyped: map[string]int32{}, null: -1}
	for i, e := range m.Entries {
		mp.to = append(mp.to, e.To)
		mp.toText = append(mp.toText, []byte(e.To.Text))
		mp.nullTarget = mp.nullTarget || e.To.Type == TypeNull
		k := int32(i)
		if e.From.Type == TypeNull {
			if mp.null >= 0 {
				return nil, fmt.Errorf("the null key appears twice")
			}
			mp.null = k
			continue
		}
		tk := string(append([]byte{byte(e.From.Type)}, e.From.Text...))
		if _, dup := mp.byTyped[tk]; dup {
			return nil, fmt.Errorf("the key %v appears twice", e.From)
		}
		mp.byTyped[tk] = k
		if j, ok := mp.byText[e.From.Text]; !ok || (e.From.Type == TypeString && m.Entries[j].From.Type != TypeString) {
			mp.byText[e.From.Text] = k
		}
	}
	return mp, nil
}

// lookup returns the entry matching value i of c, or -1.
func (mp *mapper) lookup(c *Column, i int) int32 {
	if c.IsNull(i) {
		return mp.null
	}
	v := c.At(i)
	if c.Types == nil {
		if k, ok := mp.byText[string(v)]; ok {
			return k
		}
		return -1
	}
	mp.key = append(append(mp.key[:0], byte(c.Types[i])), v...)
	if k, ok := mp.byTyped[string(mp.key)]; ok {
		return k
	}
	return -1
}

// apply writes in through the map into out.
func (mp *mapper) apply(in, out *Column) {
	n := in.n
	out.reset(n)
	out.n = n
	typed := in.Types != nil
	nulls := in.valid != nil || mp.nullTarget
	if typed {
		if cap(out.tbuf) < n {
			out.tbuf = make([]ValueType, n)
		}
		out.tbuf = out.tbuf[:n]
		out.Types = out.tbuf
	}
	if nulls {
		out.valid = out.bitmap()
	}
	out.n = 0
	for i := range n {
		k := mp.lookup(in, i)
		t := in.Type(i)
		if k < 0 {
			out.appendValue(in.At(i))
		} else {
			out.appendValue(mp.toText[k])
			t = mp.to[k].Type
		}
		if typed {
			out.Types[i] = t
		}
		if nulls && t != TypeNull {
			out.valid[i>>3] |= 1 << (i & 7)
		}
	}
}
