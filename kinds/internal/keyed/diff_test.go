package keyed

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name, committed, given string
		overwrite              bool
		merged, changed        string
		removed                []string
		ignore                 []string // ignore_on_update
	}{
		{"merge adds and replaces, keeps the rest", `{"a":1,"b":"x"}`, `{"b":"y","c":true}`, false,
			`{"a":1,"b":"y","c":true}`, `{"b":"y","c":true}`, nil, nil},
		{"merge of nothing new", `{"a":1,"b":"x"}`, `{"b":"x"}`, false, `{"a":1,"b":"x"}`, `{}`, nil, nil},
		{"types differ: the number 1 is not the string 1", `{"a":1}`, `{"a":"1"}`, false, `{"a":"1"}`, `{"a":"1"}`, nil, nil},
		{"overwrite removes what is not given", `{"a":1,"b":"x"}`, `{"b":"x"}`, true, `{"b":"x"}`, `{}`, []string{"a"}, nil},
		{"overwrite of the same", `{"a":{"x":[1]}}`, `{"a":{"x":[1]}}`, true, `{"a":{"x":[1]}}`, `{}`, nil, nil},
		{"string values holding separators", `{"a":"x,y","b":"}"}`, `{"a":"x,y","c":"{\"q\":1}"}`, false,
			`{"a":"x,y","b":"}","c":"{\"q\":1}"}`, `{"c":"{\"q\":1}"}`, nil, nil},
		{"ignore_on_update: a committed value is not replaced", `{"city":"Berlin","tier":"gold"}`, `{"city":"Hamburg","tier":"silver"}`, false,
			`{"city":"Berlin","tier":"silver"}`, `{"tier":"silver"}`, nil, []string{"city"}},
		{"ignore_on_update: nor added on update", `{"tier":"gold"}`, `{"city":"Hamburg"}`, false, `{"tier":"gold"}`, `{}`, nil, []string{"city"}},
		{"ignore_on_update: nor removed by overwrite", `{"city":"Berlin","tier":"gold"}`, `{"tier":"gold"}`, true,
			`{"city":"Berlin","tier":"gold"}`, `{}`, nil, []string{"city"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDiffer(tc.ignore)
			merged, changed, removed, err := d.diff([]byte(tc.committed), []byte(tc.given), tc.overwrite)
			require.NoError(t, err)
			require.Equal(t, tc.merged, string(merged))
			require.JSONEq(t, tc.changed, string(appendMembers(nil, changed)))
			var rm []string
			for _, r := range removed {
				var k string
				require.NoError(t, json.Unmarshal(r.key, &k))
				rm = append(rm, k)
			}
			require.Equal(t, tc.removed, rm)
		})
	}
	var d differ
	for _, bad := range []string{`{`, `{"a"}`, `{"a":1,}`, `{"a":"x}`, `{"a":[1}`, `[]`} {
		_, _, _, err := d.diff([]byte(bad), []byte(`{}`), false)
		require.Error(t, err, bad)
	}
	// Values with separators and escapes inside strings and nesting.
	obj := `{"a":"x,\"}:","b":{"c":[1,{"d":"]"}]},"e\"f":true}`
	ms, err := splitObject(nil, []byte(obj))
	require.NoError(t, err)
	require.Len(t, ms, 3)
	require.Equal(t, `{"c":[1,{"d":"]"}]}`, string(ms[1].value))
	require.Equal(t, obj, string(appendMembers(nil, ms)))
}
