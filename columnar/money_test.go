package columnar

import (
	"fmt"
	"syscall"
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
	var is Issues
	a := Money(mem, StringsOf(in), nil, MoneyCheck{Check: Check{Issues: &is, Col: 3, Required: true, Missing: 1, Bad: 2}, Rounded: 3, Overflow: 4})
	defer a.Release()
	require.Equal(t, []bool{true, false, false, true, false}, []bool{a.IsValid(0), a.IsValid(1), a.IsValid(2), a.IsValid(3), a.IsValid(4)})
	require.Equal(t, decimal128.FromI64(305000), a.Value(0))
	require.Equal(t, decimal128.FromI64(10000), a.Value(3))
	require.Equal(t, []int32{1, 2, 3, 4}, is.Row)
	require.Equal(t, []Code{1, 2, 3, 4}, is.Code)
	require.Equal(t, 3, a.NullN())
	require.True(t, arrow.TypeEqual(&arrow.Decimal128Type{Precision: 18, Scale: 4}, a.DataType()), "found %s", a.DataType())

	// A selection, negative values (the high word carries the sign), and
	// more values than a bitmap byte.
	sb = array.NewStringBuilder(mem)
	want := []int64{}
	for i := range 21 {
		s := fmt.Sprintf("-%d.%04d", i, i)
		sb.Append(s)
		want = append(want, -int64(i)*10000-int64(i))
	}
	in2 := sb.NewStringArray()
	defer in2.Release()
	sb.Release()
	sel := []int32{0, 3, 9, 20}
	is = Issues{}
	a2 := Money(mem, StringsOf(in2), sel, MoneyCheck{Check: Check{Issues: &is}})
	defer a2.Release()
	require.Zero(t, a2.NullN())
	require.Empty(t, is.Row)
	for i, r := range sel {
		require.Equal(t, decimal128.FromI64(want[r]), a2.Value(i), "row %d", r)
		require.True(t, a2.IsValid(i))
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"30.50", "-1.00015", "1e3", "99999999999999.9999", "abc", " 1.5", "1.", ".5", "-", "+.", "000000000000000001.25", "1.23456", "12345678901234.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, st := ParseMoney([]byte(s))
		// The straight path agrees with the general one.
		if gv, gst := parseMoney([]byte(s)); gst != st || (st == MoneyOK || st == MoneyRounded) && gv != v {
			t.Fatalf("%q: ParseMoney %d (%v), parseMoney %d (%v)", s, v, st, gv, gst)
		}
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
			cpu0 := cpuSeconds(b)
			for b.Loop() {
				switch kernel {
				case "money":
					Money(mem, strs, nil, MoneyCheck{Check: Check{Issues: &is}}).Release()
				default:
					out := array.NewFloat64Builder(mem)
					Float64s(strs, nil, out, Check{Issues: &is})
					out.Release()
				}
			}
			cpu := cpuSeconds(b) - cpu0
			b.ReportMetric(float64(in.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			// The machine is shared: CPU time per value is the figure to
			// compare (user + system of the process, GC included).
			b.ReportMetric(cpu*1e9/float64(in.Len())/float64(b.N), "cpu-ns/value")
		})
	}
}

// cpuSeconds is the process's user + system time so far.
func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
