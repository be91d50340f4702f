package issue

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"ingot/columnar"
)

// MessageContext is what a message needs beyond the issue's code, Arg and
// value. Each code reads only the fields it names; the rest may be zero.
type MessageContext struct {
	// Field is the header name of the field the issue is on. Messages
	// leave it out (a reject carries its column) except Missing, where
	// the empty value alone says nothing.
	Field string
	// Fields is the number of fields the header has (FieldCount).
	Fields int
	// Allowed lists the allowed values, in the order to print them
	// (BadEnum).
	Allowed []string
	// UserIDType is the record's userIdType (InvalidUserID).
	UserIDType string
	// Line is the line the issue is on (NotSequential: where the order
	// came back).
	Line int64
	// PrevFirst and PrevLast are the first and last lines of the earlier
	// run of an order that came back (NotSequential), or the line of the
	// first occurrence (DuplicateItem). For NotSequential a zero PrevFirst
	// is taken from the issue's Arg.
	PrevFirst, PrevLast int64
	// RecordID is the record's key, e.g. the order id (NotSequential,
	// DuplicateItem).
	RecordID string
	// Want is the value a rule computed and expected (TotalMismatch: the
	// sum subtotal + tax + shipping).
	Want string
}

// maxValueBytes is how much of a value a message quotes.
const maxValueBytes = 200

// Message renders the message of an issue for rejects.csv and the
// report: what was expected and what was found, the value quoted with %q
// (cut after 200 bytes with "…", invalid UTF-8 bytes shown as \xNN).
// arg is the issue's code-specific detail (columnar.Issues.Arg).
func Message(code columnar.Code, arg int64, value string, mc MessageContext) string {
	var b strings.Builder
	switch code {
	case FieldCount:
		b.WriteString("expected ")
		b.WriteString(strconv.Itoa(mc.Fields))
		b.WriteString(" fields, found ")
		b.WriteString(strconv.FormatInt(arg, 10))
	case BadQuote:
		b.WriteString(`expected the delimiter or a line end after a closing ", found more text at column `)
		b.WriteString(strconv.FormatInt(arg, 10))
		b.WriteString(" in ")
		quote(&b, value)
	case BareQuote:
		b.WriteString(`expected no " in an unquoted value, found one at column `)
		b.WriteString(strconv.FormatInt(arg, 10))
		b.WriteString(" in ")
		quote(&b, value)
		b.WriteString(" (kept as text)")
	case UnterminatedQuote:
		b.WriteString(`expected a closing " for the quote opened at column `)
		b.WriteString(strconv.FormatInt(arg, 10))
		b.WriteString(", found the end of the input")
	case InvalidUTF8:
		b.WriteString("expected UTF-8 text, found an invalid byte at byte ")
		b.WriteString(strconv.FormatInt(arg, 10))
		b.WriteString(" of ")
		quote(&b, value)
	case Missing:
		b.WriteString("expected a value")
		if mc.Field != "" {
			b.WriteString(" for ")
			b.WriteString(mc.Field)
		}
		b.WriteString(", found an empty field")
		if strings.TrimSpace(value) != "" || value == "" {
			break
		}
		b.WriteString(" (only blanks: ")
		quote(&b, value)
		b.WriteString(")")
	case NotANumber:
		found(&b, "a decimal number", value)
	case DecimalRounded:
		found(&b, "at most four decimal places", value)
		b.WriteString("; rounded half-even to four")
	case DecimalOverflow:
		found(&b, "a money value of at most 14 integer digits (DECIMAL(18,4))", value)
	case NotAnInteger:
		found(&b, "an integer", value)
	case NotABoolean:
		found(&b, "true or false", value)
	case BadTimestamp:
		found(&b, "an ISO-8601 date-time with a time zone", value)
	case BadCurrency:
		found(&b, "an ISO 4217 currency code", value)
	case BadEnum:
		if len(mc.Allowed) == 0 {
			found(&b, "an allowed value", value)
			break
		}
		found(&b, "one of "+strings.Join(mc.Allowed, ", "), value)
	case InvalidUserID:
		if mc.UserIDType != "" {
			b.WriteString("userIdType ")
			b.WriteString(mc.UserIDType)
			b.WriteString(": ")
		}
		switch UserIDProblem(arg) {
		case UserIDPlaceholder:
			if value == "" {
				b.WriteString("expected a user id, found an empty field")
			} else {
				b.WriteString("expected a user id, found the placeholder ")
				quote(&b, value)
			}
		case UserIDEmail:
			found(&b, "an e-mail address", value)
		case UserIDHex64:
			found(&b, "64 hexadecimal digits (a SHA-256)", value)
		case UserIDHex32:
			found(&b, "32 hexadecimal digits (an MD5)", value)
		case UserIDPhone:
			found(&b, "an E.164 phone number such as +4915123456789", value)
		default:
			found(&b, "a valid user id", value)
		}
	case TotalMismatch:
		b.WriteString("expected total = subtotal + tax + shipping")
		if mc.Want != "" {
			b.WriteString(" = ")
			b.WriteString(mc.Want)
		}
		b.WriteString(", found ")
		quote(&b, value)
	case OrphanRow:
		b.WriteString("expected an order's first row (with an orderId) before its line items, found a line-item row without an order")
	case NotSequential:
		first, last := mc.PrevFirst, mc.PrevLast
		if first == 0 {
			first = arg
		}
		b.WriteString("order ")
		b.WriteString(RecordID(mc.RecordID, value))
		b.WriteString(" came back")
		if mc.Line > 0 {
			b.WriteString(" at line ")
			b.WriteString(strconv.FormatInt(mc.Line, 10))
		}
		b.WriteString(" after other orders; ")
		switch {
		case last > first:
			b.WriteString("lines ")
			b.WriteString(strconv.FormatInt(first, 10))
			b.WriteString("–")
			b.WriteString(strconv.FormatInt(last, 10))
		default:
			b.WriteString("line ")
			b.WriteString(strconv.FormatInt(first, 10))
		}
		b.WriteString(" superseded")
	case DuplicateItem:
		b.WriteString("expected line-item ids unique within order ")
		b.WriteString(RecordID(mc.RecordID, ""))
		b.WriteString(", found ")
		quote(&b, value)
		b.WriteString(" again")
		if mc.PrevFirst > 0 {
			b.WriteString(" (first at line ")
			b.WriteString(strconv.FormatInt(mc.PrevFirst, 10))
			b.WriteString(")")
		}
	default:
		b.WriteString(InfoOf(code).Name)
		b.WriteString(": found ")
		quote(&b, value)
	}
	return b.String()
}

// found writes "expected <what>, found <value>".
func found(b *strings.Builder, what, value string) {
	b.WriteString("expected ")
	b.WriteString(what)
	b.WriteString(", found ")
	if value == "" {
		b.WriteString("an empty field")
		return
	}
	quote(b, value)
}

// RecordID returns the record id to print in a message, falling back to the value:
// as it is when it is plain printable text, quoted otherwise.
func RecordID(id, value string) string {
	if id == "" {
		id = value
	}
	if id == "" {
		return "(no id)"
	}
	c := cut(id)
	plain := len(c) == len(id) && utf8.ValidString(id)
	for _, r := range id {
		if !plain || !unicode.IsPrint(r) || unicode.IsSpace(r) || r == '"' {
			plain = false
			break
		}
	}
	if plain {
		return id
	}
	var b strings.Builder
	quote(&b, id)
	return b.String()
}

// quote writes value as a Go string literal (%q: invalid UTF-8 bytes as
// \xNN), cut after maxValueBytes with "…" and the full length.
func quote(b *strings.Builder, value string) {
	c := cut(value)
	b.WriteString(strconv.Quote(c))
	if len(c) < len(value) {
		b.WriteString("… (")
		b.WriteString(strconv.Itoa(len(value)))
		b.WriteString(" bytes)")
	}
}

// cut returns at most maxValueBytes of s, never splitting a valid UTF-8
// sequence (which would show a valid character as bad bytes).
func cut(s string) string {
	if len(s) <= maxValueBytes {
		return s
	}
	n := maxValueBytes
	// Find the start of the sequence holding the last byte kept; if it is
	// a valid sequence that runs past the cut, cut before it.
	for m := n - 1; m >= 0 && m > n-utf8.UTFMax; m-- {
		if utf8.RuneStart(s[m]) {
			r, size := utf8.DecodeRuneInString(s[m:])
			if (r != utf8.RuneError || size > 1) && m+size > n {
				n = m
			}
			break
		}
	}
	return s[:n]
}
