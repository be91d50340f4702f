package issue

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"ingot/columnar"
)

func TestMessage(t *testing.T) {
	statuses := []string{"placed", "paid", "fulfilled", "refunded", "cancelled"}
	tests := []struct {
		name  string
		code  columnar.Code
		arg   int64
		value string
		mc    MessageContext
		want  string
	}{
		{"number", NotANumber, 0, "12,50", MessageContext{}, `expected a decimal number, found "12,50"`},
		{"number empty", NotANumber, 0, "", MessageContext{}, `expected a decimal number, found an empty field`},
		{"integer", NotAnInteger, 0, "two", MessageContext{}, `expected an integer, found "two"`},
		{"boolean", NotABoolean, 0, "ja", MessageContext{}, `expected true or false, found "ja"`},
		{"timestamp", BadTimestamp, 0, "18/10/2020 02:58", MessageContext{}, `expected an ISO-8601 date-time with a time zone, found "18/10/2020 02:58"`},
		{"currency", BadCurrency, 0, "€", MessageContext{}, `expected an ISO 4217 currency code, found "€"`},
		{"field count", FieldCount, 40, "", MessageContext{Fields: 39}, `expected 39 fields, found 40`},
		{"enum", BadEnum, 0, "shipped", MessageContext{Allowed: statuses},
			`expected one of placed, paid, fulfilled, refunded, cancelled, found "shipped"`},
		{"enum without list", BadEnum, 0, "x", MessageContext{}, `expected an allowed value, found "x"`},
		{"email", InvalidUserID, int64(UserIDEmail), "john.doe@", MessageContext{UserIDType: "email"},
			`userIdType email: expected an e-mail address, found "john.doe@"`},
		{"sha256", InvalidUserID, int64(UserIDHex64), "abc", MessageContext{UserIDType: "email_sha256"},
			`userIdType email_sha256: expected 64 hexadecimal digits (a SHA-256), found "abc"`},
		{"md5", InvalidUserID, int64(UserIDHex32), "xyz", MessageContext{UserIDType: "email_md5"},
			`userIdType email_md5: expected 32 hexadecimal digits (an MD5), found "xyz"`},
		{"phone", InvalidUserID, int64(UserIDPhone), "0151 123", MessageContext{UserIDType: "phone"},
			`userIdType phone: expected an E.164 phone number such as +4915123456789, found "0151 123"`},
		{"placeholder", InvalidUserID, int64(UserIDPlaceholder), "NULL", MessageContext{UserIDType: "email"},
			`userIdType email: expected a user id, found the placeholder "NULL"`},
		{"placeholder empty", InvalidUserID, int64(UserIDPlaceholder), "", MessageContext{UserIDType: "crm"},
			`userIdType crm: expected a user id, found an empty field`},
		{"missing", Missing, 0, "", MessageContext{}, `expected a value, found an empty field`},
		{"missing field", Missing, 0, "", MessageContext{Field: "currency"}, `expected a value for currency, found an empty field`},
		{"missing blanks", Missing, 0, "  ", MessageContext{}, `expected a value, found an empty field (only blanks: "  ")`},
		{"not sequential", NotSequential, 10, "ORD-1", MessageContext{RecordID: "ORD-1", Line: 812, PrevLast: 12},
			`order ORD-1 came back at line 812 after other orders; lines 10–12 superseded`},
		{"not sequential one line", NotSequential, 0, "", MessageContext{RecordID: "A 1", Line: 9, PrevFirst: 4, PrevLast: 4},
			`order "A 1" came back at line 9 after other orders; line 4 superseded`},
		{"total", TotalMismatch, 0, "13.00", MessageContext{Want: "12.50"},
			`expected total = subtotal + tax + shipping = 12.50, found "13.00"`},
		{"duplicate item", DuplicateItem, 0, "L1", MessageContext{RecordID: "ORD-7", PrevFirst: 3},
			`expected line-item ids unique within order ORD-7, found "L1" again (first at line 3)`},
		{"orphan", OrphanRow, 0, "", MessageContext{},
			`expected an order's first row (with an orderId) before its line items, found a line-item row without an order`},
		{"bad quote", BadQuote, 7, `"a"b`, MessageContext{},
			`expected the delimiter or a line end after a closing ", found more text at column 7 in "\"a\"b"`},
		{"bare quote", BareQuote, 3, `ab"c`, MessageContext{},
			`expected no " in an unquoted value, found one at column 3 in "ab\"c" (kept as text)`},
		{"unterminated", UnterminatedQuote, 12, "", MessageContext{},
			`expected a closing " for the quote opened at column 12, found the end of the input`},
		{"invalid utf-8", InvalidUTF8, 1, "M\xfcller", MessageContext{},
			`expected UTF-8 text, found an invalid byte at byte 1 of "M\xfcller"`},
		{"control characters", NotANumber, 0, "1\n2\t\"", MessageContext{}, `expected a decimal number, found "1\n2\t\""`},
		{"unknown code", columnar.Code(999), 0, "v", MessageContext{}, `code_999: found "v"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Message(tc.code, tc.arg, tc.value, tc.mc))
		})
	}
}

func TestMessageCutsLongValues(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		prefix string // of the quoted part, without the opening quote
		keep   int    // bytes kept
	}{
		{"ascii", strings.Repeat("a", 300), strings.Repeat("a", 200), 200},
		{"exactly 200", strings.Repeat("a", 200), strings.Repeat("a", 200), 200},
		// 199 ASCII bytes then é (2 bytes): cutting at 200 would split é.
		{"no split rune", strings.Repeat("a", 199) + "éé", strings.Repeat("a", 199), 199},
		// An invalid byte at the cut is kept as \xNN: it splits nothing.
		{"invalid at cut", strings.Repeat("a", 199) + "\xff\xffzz", strings.Repeat("a", 199) + `\xff`, 200},
		// A stray continuation byte before the cut is not a rune to keep whole.
		{"stray continuation", strings.Repeat("a", 198) + "\x80\x80\x80", strings.Repeat("a", 198) + `\x80\x80`, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := Message(NotANumber, 0, tc.value, MessageContext{})
			q := strings.TrimPrefix(msg, `expected a decimal number, found "`)
			require.True(t, strings.HasPrefix(q, tc.prefix), q)
			require.Equal(t, tc.keep, len(cut(tc.value)))
			if len(tc.value) > 200 {
				require.Contains(t, msg, `"… (`)
				require.True(t, strings.HasSuffix(msg, " bytes)"), msg)
			} else {
				require.True(t, strings.HasSuffix(msg, `"`), msg)
			}
			require.True(t, utf8.ValidString(msg))
		})
	}
}

func BenchmarkMessage(b *testing.B) {
	mc := MessageContext{Allowed: []string{"placed", "paid", "fulfilled", "refunded", "cancelled"}}
	b.ReportAllocs()
	for b.Loop() {
		_ = Message(BadEnum, 0, "shipped", mc)
	}
}
