package validate

import (
	"cmp"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"ingot/columnar"
	"ingot/issue"
)

// The column kernels of the rules that kinds share: they run over a whole
// column (through a selection vector when sel is not nil), write typed
// values into a builder and record issues; they allocate nothing per row.

// Currencies checks ISO 4217 codes and writes them upper-cased.
func Currencies(in columnar.Strings, sel []int32, out *array.StringBuilder, c columnar.Check) {
	n := in.Len()
	if sel != nil {
		n = len(sel)
	}
	out.Reserve(n)
	for i := range n {
		row := i
		if sel != nil {
			row = int(sel[i])
		}
		v := columnar.TrimSpace(in.At(row))
		if len(v) == 0 {
			if c.Required {
				c.Issues.Add(row, c.Col, c.Missing, 0)
			}
			out.AppendNull()
			continue
		}
		code, ok := Currency(v)
		if !ok {
			c.Issues.Add(row, c.Col, c.Bad, 0)
			out.AppendNull()
			continue
		}
		out.Append(string(code[:]))
	}
}

// UserIDs checks and normalises user ids by their types, writing both.
func UserIDs(types, ids columnar.Strings, sel []int32, typeOut, idOut *array.StringBuilder, hash bool, typeCol int, c columnar.Check) {
	n := ids.Len()
	if sel != nil {
		n = len(sel)
	}
	typeOut.Reserve(n)
	idOut.Reserve(n)
	var tb, ib []byte
	for i := range n {
		row := i
		if sel != nil {
			row = int(sel[i])
		}
		t := types.At(row)
		if len(columnar.TrimSpace(t)) == 0 {
			c.Issues.Add(row, typeCol, issue.Missing, 0)
			typeOut.AppendNull()
			idOut.AppendNull()
			continue
		}
		var p issue.UserIDProblem
		tb, ib, p = UserID(tb[:0], ib[:0], t, ids.At(row), hash)
		if p != 0 {
			c.Issues.Add(row, c.Col, issue.InvalidUserID, int64(p))
			typeOut.AppendNull()
			idOut.AppendNull()
			continue
		}
		typeOut.BinaryBuilder.Append(tb)
		idOut.BinaryBuilder.Append(ib)
	}
}

// SumCheck warns where total differs from subtotal + tax + shipping. The
// columns are money (DECIMAL(18,4)), so the comparison is exact, in
// ten-thousandths: three values of at most 18 digits cannot overflow int64.
func SumCheck(rec arrow.RecordBatch, cols [4]int, sel []int32, col int, is *columnar.Issues) {
	var a [4]*array.Decimal128
	var v [4][]decimal128.Num
	for k, c := range cols {
		a[k] = rec.Column(c).(*array.Decimal128)
		v[k] = a[k].Values()
	}
	for i := range int(rec.NumRows()) {
		if a[0].IsNull(i) || a[1].IsNull(i) || a[2].IsNull(i) || a[3].IsNull(i) {
			continue
		}
		total := int64(v[0][i].LowBits())
		sum := int64(v[1][i].LowBits()) + int64(v[2][i].LowBits()) + int64(v[3][i].LowBits())
		if total != sum {
			row := i
			if sel != nil {
				row = int(sel[i])
			}
			is.Add(row, col, issue.TotalMismatch, 0)
		}
	}
}

// SortIssues orders issues by row, then column, for stable reports.
func SortIssues(is *columnar.Issues) {
	idx := make([]int, is.Len())
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(is.Row[a], is.Row[b]), cmp.Compare(is.Col[a], is.Col[b]))
	})
	var out columnar.Issues
	for _, i := range idx {
		out.Add(int(is.Row[i]), int(is.Col[i]), is.Code[i], is.Arg[i])
	}
	*is = out
}
