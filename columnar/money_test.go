package columnar

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		st   MoneyStatus
	}{
		{"30.50", 305000, MoneyOK},
		{" -0.5 ", -5000, MoneyOK},
		{"+12", 120000, MoneyOK},
		{"0.1", 1000, MoneyOK},
		{"1234.5678", 12345678, MoneyOK},
		{"1.00005", 10000, MoneyRounded},  // half to even: down
		{"1.00015", 10002, MoneyRounded},  // half to even: up
		{"1.000051", 10001, MoneyRounded}, // above half
		{"-1.00015", -10002, MoneyRounded},
		{"0.99999", 10000, MoneyRounded},
		{"1e3", 10000000, MoneyOK},
		{"1.5e-5", 0, MoneyRounded}, // 0.15 ten-thousandths rounds to 0
		{"2.5E-4", 2, MoneyRounded}, // 2.5 ten-thousandths → 2 (even)
		{"99999999999999.9999", MoneyMax, MoneyOK},
		{"-99999999999999.9999", -MoneyMax, MoneyOK},
		{"100000000000000", 0, MoneyOverflow},
		{"99999999999999.99995", 0, MoneyOverflow}, // rounds past the top
		{"1e15", 0, MoneyOverflow},
		{"", 0, MoneyBad}, {"1,5", 0, MoneyBad}, {"€1", 0, MoneyBad}, {"1.2.3", 0, MoneyBad},
		{"NaN", 0, MoneyBad}, {"0x10", 0, MoneyBad}, {"1_000", 0, MoneyBad}, {".", 0, MoneyBad},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, st := ParseMoney([]byte(tc.in))
			require.Equal(t, tc.st, st)
			if st != MoneyBad && st != MoneyOverflow {
				require.Equal(t, tc.want, v)
			}
		})
	}
}

func TestAppendMoney(t *testing.T) {
	for v, want := range map[int64]string{305000: "30.5", 0: "0", -5000: "-0.5", 1: "0.0001", 120000: "12", MoneyMax: "99999999999999.9999", -12345678: "-1234.5678"} {
		require.Equal(t, want, string(AppendMoney(nil, v)))
		back, st := ParseMoney([]byte(want))
		require.Equal(t, MoneyOK, st)
		require.Equal(t, v, back, "round trip")
	}
}

func TestMoneyKernel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"30.50", "", "x", "1.00005", "1e20"}, nil)
	in := sb.NewStringArray()
	defer in.Release()
	sb.Release()
	b := array.NewDecimal128Builder(mem, moneyType)
	defer b.Release()
	var is Issues
	Money(StringsOf(in), nil, b, MoneyCheck{Check: Check{Issues: &is, Col: 3, Required: true, Missing: 1, Bad: 2}, Rounded: 3, Overflow: 4})
	a := b.NewDecimal128Array()
	defer a.Release()
	require.Equal(t, []bool{true, false, false, true, false}, []bool{a.IsValid(0), a.IsValid(1), a.IsValid(2), a.IsValid(3), a.IsValid(4)})
	require.Equal(t, decimal128.FromI64(305000), a.Value(0))
	require.Equal(t, decimal128.FromI64(10000), a.Value(3))
	require.Equal(t, []int32{1, 2, 3, 4}, is.Row)
	require.Equal(t, []Code{1, 2, 3, 4}, is.Code)
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"30.50", "-1.00015", "1e3", "99999999999999.9999", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, st := ParseMoney([]byte(s))
		if st != MoneyOK {
			return
		}
		// An exact value renders and parses back to itself.
		back, st2 := ParseMoney(AppendMoney(nil, v))
		if st2 != MoneyOK || back != v {
			t.Fatalf("%q: %d → %q → %d (%v)", s, v, AppendMoney(nil, v), back, st2)
		}
	})
}

// BenchmarkMoneyKernel compares the exact kernel with the float64 one it
// replaces, over a column of typical money values.
func BenchmarkMoneyKernel(b *testing.B) {
	mem := memory.NewGoAllocator()
	sb := array.NewStringBuilder(mem)
	var size int64
	for i := range 65536 {
		s := fmt.Sprintf("%d.%02d", i%5000, i%100)
		size += int64(len(s))
		sb.Append(s)
	}
	in := sb.NewStringArray()
	defer in.Release()
	strs := StringsOf(in)
	for _, kernel := range []string{"money", "float64"} {
		b.Run(kernel, func(b *testing.B) {
			var is Issues
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				switch kernel {
				case "money":
					out := array.NewDecimal128Builder(mem, moneyType)
					Money(strs, nil, out, MoneyCheck{Check: Check{Issues: &is}})
					out.Release()
				default:
					out := array.NewFloat64Builder(mem)
					Float64s(strs, nil, out, Check{Issues: &is})
					out.Release()
				}
			}
			b.ReportMetric(float64(in.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

var moneyType = &arrow.Decimal128Type{Precision: MoneyPrecision, Scale: MoneyScale}
