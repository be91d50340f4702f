package transform

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
)

const (
	codeMissing columnar.Code = 43
	codeAttr    columnar.Code = 44
)

func TestMapping(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	attrs := []Attr{
		{Attribute: "email", Header: "E-Mail", Type: AttrEmail, Mandatory: true},
		{Attribute: "city", Header: "Town", HasFallback: true, Fallback: "Unknown"},
		{Attribute: "joined", Header: "Joined", Type: AttrDate, HasFallback: true, Fallback: "2026-03-01"},
		{Attribute: "tier", Header: "Level", Type: AttrSelect, Allowed: []string{"gold", "silver"}, Values: strMap("G", "gold", "S", "silver")},
		{Attribute: "level_code", Header: "Level"},
		{Attribute: "optin", Header: "Opt-In", Type: AttrBoolean},
	}
	steps, err := MappingSteps(attrs)
	require.NoError(t, err)
	codes := Codes{Cast: codeCast, Timestamp: codeTS, Missing: codeMissing, Attr: codeAttr}
	p, err := Compile(steps, codes)
	require.NoError(t, err)
	rec := rawRecord(mem,
		"E-Mail=a@example.com||not-an-email",
		"Town=Paris||",
		"Joined=2025-01-02||07.04.2026",
		"Level=G|S|X",
		"Opt-In=yes|no|maybe",
		"Unmapped=1|2|3",
	)
	defer rec.Release()
	for range 2 {
		r, err := p.Apply(Input{Rec: rec})
		require.NoError(t, err)
		cols, issues := dump(r)
		require.Equal(t, []string{
			"email:string=a@example.com||not-an-email",
			"city:string=Paris|Unknown|Unknown",
			"joined:string=2025-01-02|2026-03-01|07.04.2026",
			"tier:string=gold|silver|X",
			"level_code:string=G|S|X",
			"optin:string=yes|no|maybe",
		}, cols)
		// row/col/code/arg: mandatory e-mail missing on row 1, a bad
		// e-mail, a bad date, a select value not allowed, a bad boolean.
		require.Equal(t, []string{"1/0/43/8", "2/0/44/8", "2/2/44/2", "2/3/44/5", "2/5/44/4"}, issues)
	}

	// A header the file lacks stops the import before any row.
	rec2 := rawRecord(mem, "Email=a@example.com")
	defer rec2.Release()
	_, err = p.Apply(Input{Rec: rec2})
	require.EqualError(t, err, `mapping: the header "E-Mail" of attribute "email" is not in the file; its fields are: Email`)

	_, err = MappingSteps([]Attr{{Attribute: "a", Header: "x"}, {Attribute: "a", Header: "y"}})
	require.EqualError(t, err, `mapping: attribute "a" is mapped twice`)
}

// TestMappingTypedFallback checks that a fallback fills JSON nulls and
// empty strings and gives them the text type.
func TestMappingTypedFallback(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	steps, err := MappingSteps([]Attr{{Attribute: "n", Header: "n", Type: AttrNumeric, HasFallback: true, Fallback: "0"}})
	require.NoError(t, err)
	p, err := Compile(steps, Codes{Attr: codeAttr})
	require.NoError(t, err)
	rec := rawRecord(mem, `n=5|\N||true`)
	defer rec.Release()
	r, err := p.Apply(Input{Rec: rec, Types: [][]ValueType{{TypeNumber, TypeNull, TypeString, TypeBool}}})
	require.NoError(t, err)
	cols, issues := dump(r)
	require.Equal(t, []string{"n:string=5:number|0:string|0:string|true:bool"}, cols)
	require.Equal(t, []string{"3/0/44/1"}, issues)
}
