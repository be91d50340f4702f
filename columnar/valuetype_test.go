package columnar

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValueTypes(t *testing.T) {
	u := ValueTypes{Uniform: TypeNumber}
	require.Equal(t, TypeNumber, u.At(0))
	require.Equal(t, TypeNumber, u.At(1000))
	r := ValueTypes{Uniform: TypeNumber, Row: []ValueType{TypeString, TypeAbsent}}
	require.Equal(t, TypeString, r.At(0), "Row wins over Uniform")
	require.Equal(t, TypeAbsent, r.At(1))
	var names []string
	for v := TypeAbsent; v <= TypeArray+1; v++ {
		names = append(names, v.String())
	}
	require.Equal(t, []string{"absent", "null", "boolean", "number", "string", "object", "array", "invalid"}, names)
}
