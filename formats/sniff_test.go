package formats

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/schema"
)

func TestSniffDialect(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		atEOF  bool
		delim  byte
		quote  byte
		header bool
	}{
		{"comma", "id,name,price\n1,Shirt,9.99\n2,Socks,3.50\n", true, ',', '"', true},
		{"semicolon, decimal comma", "id;name;price\n1;Shirt, blue;9,99\n2;Socks;3,50\n", true, ';', '"', true},
		{"tab", "id\tname\tprice\n1\tShirt, blue\t9.99\n2\tSocks\t3.50\n", true, '\t', '"', true},
		{"pipe", "id|name|price\n1|Shirt|9.99\n2|Socks|3.50\n", true, '|', '"', true},
		{"quoted delimiters", "id,name\n1,\"a;b;c\"\n2,\"d;e\"\n3,\"f;g;h;i\"\n", true, ',', '"', true},
		{"quoted line breaks", "id;note\n1;\"line one\nline two\"\n2;\"x\"\n", true, ';', '"', true},
		{"single quotes", "id,name\n1,'Shirt, blue'\n2,'Socks'\n", true, ',', '\'', true},
		{"CRLF", "a;b;c\r\n1;2;3\r\n4;5;6\r\n", true, ';', '"', true},
		{"no header: numbers", "1,Shirt,9.99\n2,Socks,3.50\n3,Hat,12.00\n", true, ',', '"', false},
		{"no header: e-mails", "ana@example.com;Ana;Berlin\nbob@example.com;Bob;Paris\n", true, ';', '"', false},
		{"no header: dates", "2024-01-02|x\n2024-01-03|y\n", true, '|', '"', false},
		{"header over numbers", "qty,price\n1,2.5\n3,4.5\n", true, ',', '"', true},
		{"header of strings over strings", "name,city\nAna,Berlin\nBob,Paris\n", true, ',', '"', true},
		{"empty first field: data", ",a,b\n1,2,3\n", true, ',', '"', false},
		{"duplicated first values: data", "x,x,1\ny,y,2\n", true, ',', '"', false},
		{"header only", "id;name;price\n", true, ';', '"', true},
		{"one column", "email\nana@example.com\n", true, ',', '"', true},
		{"empty", "", true, ',', '"', true},
		{"BOM", "\ufeffid\tname\n1\tx\n", true, '\t', '"', true},
		{"cut sample: last record ignored", "a;b;c\n1;2;3\n4;5;6\n7,8", false, ';', '"', true},
		{"blank lines", "a|b\n\n1|2\n\n3|4\n", true, '|', '"', true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := SniffDialect([]byte(tt.in), tt.atEOF)
			require.Equal(t, string(tt.delim), string(d.Delimiter), "delimiter")
			require.Equal(t, string(tt.quote), string(d.Quote), "quote")
			require.Equal(t, tt.header, d.Header, "header")
		})
	}
}

func TestInferType(t *testing.T) {
	tests := []struct {
		values       []string
		typ, pattern string
	}{
		{[]string{"1", "-2", " 30 ", ""}, TypeInteger, ""},
		{[]string{"1.5", "2", "-3,25", "1e3"}, TypeDecimal, ""},
		{[]string{"true", "FALSE", "yes"}, TypeBool, ""},
		{[]string{"0", "1"}, TypeInteger, ""},
		{[]string{"2020-09-16T10:38:06+0100", "2021-01-31T23:30:00-0100"}, TypeTimestamp, "yyyy-MM-dd'T'HH:mm:ssZ"},
		{[]string{"2020-09-16T10:38:06Z", "2021-01-31T23:30:00.123+01:00"}, TypeTimestamp, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"},
		{[]string{"2021-03-04 10:11:12 +0100"}, TypeTimestamp, "yyyy-MM-dd HH:mm:ss Z"},
		{[]string{"2016-11-11", "2017-01-02"}, TypeTimestamp, "yyyy-MM-dd"},
		{[]string{"12/1/2010 8:26", "1/13/2011 10:00"}, TypeTimestamp, "M/d/yyyy H:mm"},
		{[]string{"03/01/19", "25/12/20"}, TypeTimestamp, "d/M/yy"},
		{[]string{"24.12.2023"}, TypeTimestamp, "dd.MM.yyyy"},
		{[]string{"ana@example.com", "B.O.B@mail.example.org"}, TypeEmail, ""},
		{[]string{"ana@example.com", "not an email"}, TypeString, ""},
		{[]string{"+4915112345678"}, TypeString, ""},
		{[]string{"", " "}, TypeEmpty, ""},
		{nil, TypeEmpty, ""},
		{[]string{"12345678901234567890"}, TypeDecimal, ""},
		{[]string{"1.2.3"}, TypeString, ""},
	}
	for _, tt := range tests {
		typ, pattern := InferType(tt.values)
		require.Equal(t, tt.typ, typ, "%q", tt.values)
		require.Equal(t, tt.pattern, pattern, "%q", tt.values)
	}
}

// allFormats stands for the registry (package ingot), which this package
// cannot import.
var allFormats = []*Format{KevelCSV, ShopifyCSV, CustomersCSV, CustomersJSONL, CustomersJSON, ProductsCSV, ProductsJSONL, ProductsJSON}

func names(fs []*Format, pick func(Field) bool) []string {
	var out []string
	for _, f := range fs {
		for _, fd := range f.Fields {
			if fd.Name != "" && pick(fd) {
				out = append(out, fd.Name)
			}
		}
	}
	return out
}

// TestRecognize: recognition comes from the field tables: a format
// recognises a header with all its required fields, whatever else is
// there, and a format added to the list (here one made up for the test)
// joins without code.
func TestRecognize(t *testing.T) {
	kevel := names([]*Format{KevelCSV}, func(Field) bool { return true })
	shopify := names([]*Format{ShopifyCSV}, func(Field) bool { return true })
	kevelRequired := names([]*Format{KevelCSV}, func(f Field) bool { return f.Required })
	events := &Format{Name: "made-up-events", Kind: "events", Shape: JSONLines, Fields: []Field{
		{Name: "event", Table: schema.Orders, Type: Text, Required: true},
		{Name: "id", Table: schema.Orders, Type: Text, Required: true},
		{Name: "email", Table: schema.Orders, Type: Text},
	}}
	all := append(append([]*Format(nil), allFormats...), events)
	tests := []struct {
		name   string
		header []string
		syntax string
		want   []string // kind/format, best first
	}{
		{"kevel", kevel, SyntaxCSV, []string{"orders/kevel-csv"}},
		{"kevel, required only, extra columns", append(append([]string{"x"}, kevelRequired...), "y"), SyntaxCSV, []string{"orders/kevel-csv"}},
		{"kevel missing one", kevelRequired[1:], SyntaxCSV, nil},
		{"shopify", shopify, SyntaxCSV, []string{"orders/shopify-csv"}},
		{"products", []string{"name", "productId"}, SyntaxCSV, []string{"products/csv"}},
		{"products jsonl", []string{"productId"}, SyntaxJSONL, []string{"products/jsonl"}},
		{"customers: generic, never recognised", []string{"userId", "email"}, SyntaxCSV, nil},
		{"a new format joins by its table", []string{"id", "event", "email"}, SyntaxJSONL, []string{"events/made-up-events"}},
		{"not in another syntax", []string{"id", "event"}, SyntaxCSV, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range Recognize(tt.header, tt.syntax, all) {
				got = append(got, m.Kind+"/"+m.Format)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestHeaderHint(t *testing.T) {
	kevel := names([]*Format{KevelCSV}, func(Field) bool { return true })
	shopify := names([]*Format{ShopifyCSV}, func(Field) bool { return true })
	tests := []struct {
		name   string
		header []string
		format *Format
		delim  byte
		want   string
	}{
		{"Shopify export read as Kevel", shopify, KevelCSV, ',', "this looks like a Shopify orders export: use --format shopify-csv"},
		{"Kevel read as Shopify", kevel, ShopifyCSV, ',', "this looks like a Kevel CSV orders file: use --format kevel-csv"},
		{"semicolons", []string{strings.Join(kevel, ";")}, KevelCSV, ',', "the header seems to be separated by ';', not ',': use --delimiter ';'"},
		{"tabs, and another format", []string{strings.Join(shopify, "\t")}, KevelCSV, 0,
			`the header seems to be separated by tabs, not ',': use --delimiter '\t'; this looks like a Shopify orders export: use --format shopify-csv`},
		{"products file imported as orders", []string{"productId", "name"}, KevelCSV, ',', "this looks like a products csv file: use ingot import products --format csv"},
		{"nothing to say", []string{"a", "b", "c"}, KevelCSV, ',', ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, HeaderHint(tt.header, tt.format, tt.delim, allFormats))
		})
	}
}

// TestSniffSampleJSON: JSON and JSON Lines samples, a record cut by the
// end of the sample left out.
func TestSniffSampleJSON(t *testing.T) {
	s := &Sniffed{}
	SniffSample(s, []byte(`{"productId":"P1","price":9.5,"at":"2024-01-02T03:04:05Z"}`+"\n"+`{"productId":"P2","price":3}`+"\n"+`{"productId":"P3","pri`), SniffOptions{Formats: allFormats})
	require.Equal(t, SyntaxJSONL, s.Syntax)
	require.Equal(t, 2, s.SampledRows)
	require.Equal(t, "products", s.Format.Kind)
	require.Equal(t, []SniffedColumn{
		{Name: "productId", Type: TypeString, First: []string{"P1", "P2"}},
		{Name: "price", Type: TypeDecimal, First: []string{"9.5", "3"}},
		{Name: "at", Type: TypeTimestamp, Pattern: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", First: []string{"2024-01-02T03:04:05Z", ""}},
	}, s.Columns)

	s = &Sniffed{Complete: true}
	SniffSample(s, []byte(`[{"userId":"a@example.com","n":1},{"userId":"b@example.com","n":true}]`), SniffOptions{Formats: allFormats})
	require.Equal(t, SyntaxJSON, s.Syntax)
	require.Nil(t, s.Format)
	require.Equal(t, "customers", s.Generic[0].Kind)
	require.Equal(t, TypeEmail, s.Columns[0].Type)
	require.Equal(t, "mixed", s.Columns[1].Type)
	require.Contains(t, s.Suggest, "ingot import customers --format json --user-id userId")
}

// FuzzSniffSample: any bytes, cut anywhere, sniff without panicking and
// in bounded time.
func FuzzSniffSample(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a;b\r\n\"x;\"\"y\";2\r\n", "[{\"a\":1}]", "{\"a\":1}\n{\"b\":", "'a'|'b'\n", "\xff\xfe", "\"unterminated"} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, complete bool) {
		start := time.Now()
		s := &Sniffed{Complete: complete}
		SniffSample(s, in, SniffOptions{Formats: allFormats})
		require.NotEmpty(t, s.Syntax)
		for _, c := range s.Columns {
			require.LessOrEqual(t, len(c.First), 3)
		}
		SniffDialect(in, complete)
		require.Less(t, time.Since(start), 2*time.Second)
	})
}
