package transform

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
)

func TestAttrCheck(t *testing.T) {
	const code columnar.Code = 77
	tests := []struct {
		typ     AttrType
		allowed []string
		values  []string
		types   []ValueType // nil: CSV text
		bad     []int32     // rows with an issue
	}{
		{typ: AttrString, values: []string{"a", "", "{}"}, types: []ValueType{TypeString, TypeString, TypeRaw}, bad: []int32{2}},
		{typ: AttrNumeric, values: []string{"1", "1.5", " -2 ", "1e3", "1,5", "x", ""}, bad: []int32{4, 5}},
		{typ: AttrNumeric, values: []string{"1", "true", "2"}, types: []ValueType{TypeNumber, TypeBool, TypeString}, bad: []int32{1}},
		{typ: AttrDate, values: []string{"2026-04-07", "2026-02-30", "2026-04-07T10:00:00Z", "07.04.2026"}, bad: []int32{1, 2, 3}},
		{typ: AttrDatetime, values: []string{"2026-04-07T10:00:00Z", "2026-04-07 10:00:00+0100", "2026-04-07", "yesterday"}, bad: []int32{3}},
		{typ: AttrBoolean, values: []string{"true", "No", "1", "0", "y", "2"}, bad: []int32{4, 5}},
		{typ: AttrSelect, allowed: []string{"gold", "silver"}, values: []string{"gold", "silver", "Gold", "bronze", " gold "}, bad: []int32{2, 3}},
		{typ: AttrSelect, values: []string{"anything"}},
		{typ: AttrList, allowed: []string{"a", "b"}, values: []string{"a;b", "a; b ;", "a;c", "b"}, bad: []int32{2}},
		{typ: AttrList, values: []string{"x;y", `["x"]`, "7"}, types: []ValueType{TypeString, TypeRaw, TypeNumber}},
		{typ: AttrURL, values: []string{"https://example.com/x?y=1", "http://localhost:8080", "ftp://x", "https://", "example.com", "https://a b"}, bad: []int32{2, 3, 4, 5}},
		{typ: AttrEmail, values: []string{"a@example.com", "A.B+c@sub.example.co.uk", "a@b", "@example.com", "a@@example.com", "a b@example.com", "a@-x.com", "a@x..com", "a@x.com-"}, bad: []int32{2, 3, 4, 5, 6, 7, 8}},
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range tests {
		t.Run(tc.typ.String(), func(t *testing.T) {
			b := array.NewStringBuilder(mem)
			b.AppendValues(tc.values, nil)
			a := b.NewStringArray()
			b.Release()
			defer a.Release()
			c := ViewOf(a, tc.types)
			var is columnar.Issues
			chk := AttrCheck{Type: tc.typ, Allowed: tc.allowed, Col: 3, Code: code}
			chk.Check(&c, &is)
			require.Equal(t, len(tc.bad), is.Len(), "issues on rows %v", is.Row)
			if len(tc.bad) > 0 {
				require.Equal(t, tc.bad, is.Row)
				require.Equal(t, int32(3), is.Col[0])
				require.Equal(t, code, is.Code[0])
				require.Equal(t, int64(tc.typ), is.Arg[0])
			}
		})
	}
}

func TestParseAttrType(t *testing.T) {
	for i, n := range AttrTypeNames() {
		a, ok := ParseAttrType(n)
		require.True(t, ok)
		require.Equal(t, AttrType(i), a)
		require.Equal(t, n, a.String())
	}
	_, ok := ParseAttrType("phone")
	require.False(t, ok)
}
