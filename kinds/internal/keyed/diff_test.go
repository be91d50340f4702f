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
	}{
		{"merge adds and replaces, keeps the rest", `{"a":1,"b":"x"}`, `{"b":"y","c":true}`, false,
			`{"a":1,"b":"y","c":true}`, `{"b":"y","c":true}`, nil},
		{"merge of nothing new", `{"a":1,"b":"x"}`, `{"b":"x"}`, false, `{"a":1,"b":"x"}`, `{}`, nil},
		{"types differ: the number 1 is not the string 1", `{"a":1}`, `{"a":"1"}`, false, `{"a":"1"}`, `{"a":"1"}`, nil},
		{"overwrite removes what is not given", `{"a":1,"b":"x"}`, `{"b":"x"}`, true, `{"b":"x"}`, `{}`, []string{"a"}},
		{"overwrite of the same", `{"a":{"x":[1]}}`, `{"a":{"x":[1]}}`, true, `{"a":{"x":[1]}}`, `{}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			merged, changed, removed, err := diff([]byte(tc.committed), []byte(tc.given), tc.overwrite)
			require.NoError(t, err)
			require.Equal(t, tc.merged, string(merged))
			want := map[string]json.RawMessage{}
			require.NoError(t, json.Unmarshal([]byte(tc.changed), &want))
			require.Equal(t, want, changed)
			require.Equal(t, tc.removed, removed)
		})
	}
	_, _, _, err := diff([]byte(`{`), []byte(`{}`), false)
	require.Error(t, err)
}
