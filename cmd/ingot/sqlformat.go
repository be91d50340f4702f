package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// result is one statement's columns, their DuckDB type names and rows.
type result struct {
	cols  []string
	types []string
	rows  [][]any
}

// printer writes a result in one output format.
type printer func(w io.Writer, r *result) error

var printers = map[string]printer{
	"table":    printTable,
	"csv":      printCSV,
	"json":     printJSON,
	"jsonl":    printJSONL,
	"markdown": printMarkdown,
}

// text renders v as DuckDB prints a value of type typ; NULL is "NULL".
func text(v any, typ string) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return formatFloat(x, 64)
	case float32:
		return formatFloat(float64(x), 32)
	case *big.Int:
		return x.String()
	case duckdb.Decimal:
		return decimalText(x)
	case time.Time:
		return timeText(x, typ)
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %d microseconds", x.Months, x.Days, x.Micros)
	case duckdb.UUID:
		return x.String()
	case []any:
		elem := strings.TrimSuffix(typ, "[]")
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = nested(e, elem)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = "'" + k + "': " + nested(x[k], "")
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case duckdb.Map:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, nested(k, "")+"="+nested(e, ""))
		}
		slices.Sort(parts)
		return "{" + strings.Join(parts, ", ") + "}"
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// nested renders a value inside a list or struct, where DuckDB quotes
// strings only when they would otherwise be ambiguous; it never quotes
// plain words, so neither do we.
func nested(v any, typ string) string {
	if v == nil {
		return "NULL"
	}
	return text(v, typ)
}

func formatFloat(f float64, bits int) string {
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// decimalText prints a decimal with all its scale digits, as DuckDB
// does: DECIMAL(18,4) 30.5 is "30.5000".
func decimalText(d duckdb.Decimal) string {
	if d.Value == nil {
		return "NULL"
	}
	digits := new(big.Int).Abs(d.Value).String()
	sign := ""
	if d.Value.Sign() < 0 {
		sign = "-"
	}
	scale := int(d.Scale)
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

// timeText prints dates and timestamps as DuckDB does in UTC: fractions
// of a second only when there are some, and the offset of TIMESTAMPTZ
// values as +00.
func timeText(t time.Time, typ string) string {
	t = t.UTC()
	switch {
	case typ == "DATE":
		return t.Format("2006-01-02")
	case typ == "TIME":
		return t.Format("15:04:05.999999")
	}
	s := t.Format("2006-01-02 15:04:05.999999")
	if strings.Contains(typ, "TIME ZONE") || typ == "TIMESTAMPTZ" {
		s += "+00"
	}
	return s
}

func printTable(w io.Writer, r *result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(r.cols, "\t"))
	cells := make([]string, len(r.cols))
	for _, row := range r.rows {
		for i, v := range row {
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(text(v, r.types[i]))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func printCSV(w io.Writer, r *result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.cols); err != nil {
		return err
	}
	cells := make([]string, len(r.cols))
	for _, row := range r.rows {
		for i, v := range row {
			if v == nil {
				cells[i] = "" // NULL is an empty field, as DuckDB's COPY … (FORMAT csv) writes it
			} else {
				cells[i] = text(v, r.types[i])
			}
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func printMarkdown(w io.Writer, r *result) error {
	esc := strings.NewReplacer("|", `\|`, "\n", " ")
	var b strings.Builder
	b.WriteString("|")
	for _, c := range r.cols {
		b.WriteString(" " + esc.Replace(c) + " |")
	}
	b.WriteString("\n|")
	for i := range r.cols {
		if numeric(r.types[i]) {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, row := range r.rows {
		b.WriteString("|")
		for i, v := range row {
			b.WriteString(" " + esc.Replace(text(v, r.types[i])) + " |")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func numeric(typ string) bool {
	switch {
	case strings.HasPrefix(typ, "DECIMAL"), strings.HasSuffix(typ, "INT"), typ == "BIGINT",
		typ == "INTEGER", typ == "SMALLINT", typ == "TINYINT", typ == "HUGEINT", typ == "DOUBLE", typ == "FLOAT":
		return true
	}
	return false
}

// jsonValue converts v to what encoding/json should write: numbers stay
// numbers (decimals exactly, as json.Number), times become DuckDB's text.
func jsonValue(v any, typ string) any {
	switch x := v.(type) {
	case nil, bool, string, int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, uint:
		return x
	case float64, float32:
		return json.Number(text(x, typ))
	case *big.Int:
		return json.Number(x.String())
	case duckdb.Decimal:
		return json.Number(decimalText(x))
	case []byte:
		return string(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e, strings.TrimSuffix(typ, "[]"))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e, "")
		}
		return out
	}
	return text(v, typ)
}

// rowObject returns one row as an ordered JSON object.
func rowObject(r *result, row []any) (json.RawMessage, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range row {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(r.cols[i])
		b.Write(k)
		b.WriteByte(':')
		val, err := json.Marshal(jsonValue(v, r.types[i]))
		if err != nil {
			return nil, err
		}
		b.Write(val)
	}
	b.WriteByte('}')
	return json.RawMessage(b.String()), nil
}

func printJSON(w io.Writer, r *result) error {
	var b strings.Builder
	b.WriteString("[")
	for i, row := range r.rows {
		if i > 0 {
			b.WriteString(",")
		}
		o, err := rowObject(r, row)
		if err != nil {
			return err
		}
		b.WriteString("\n  ")
		b.Write(o)
	}
	if len(r.rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func printJSONL(w io.Writer, r *result) error {
	for _, row := range r.rows {
		o, err := rowObject(r, row)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n", o); err != nil {
			return err
		}
	}
	return nil
}
