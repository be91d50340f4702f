package validate

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// MaskedNote ends the message of a reject whose e-mail addresses
// MaskEmails hid, so that whoever reads rejects.csv knows why the value
// is not the one in the file.
const MaskedNote = " [e-mail masked: --hash-emails]"

// MaskEmails returns s with the local part of every e-mail-like token
// masked: the first character kept and the rest replaced by "***", the
// domain kept ("frank.doe@example.com" becomes "f***@example.com",
// "@example.com" and "a@@b" keep their shape). A token is a run of bytes
// other than white space, quotes, commas, semicolons, angle brackets and
// parentheses that holds an '@', unless the '@' ends the user info of a
// URL (redacted by the sources already). With --hash-emails a plain address must
// never be written anywhere, and a value that failed validation (an
// address with a typo, a ragged row holding one) is still an address, so
// every token with an '@' is masked, whatever its column. s comes back
// unchanged, without allocating, when it has no '@'.
func MaskEmails(s string) string {
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	done := 0 // s[:done] is in b
	for at >= 0 {
		start := at
		for start > done && !tokenBreak(s[start-1]) {
			start--
		}
		end := at
		for end < len(s) && !tokenBreak(s[end]) {
			end++
		}
		b.WriteString(s[done:start])
		switch {
		case start == at:
		case userInfo(s[start:at]):
			b.WriteString(s[start:at])
		default:
			_, size := utf8.DecodeRuneInString(s[start:])
			b.WriteString(s[start : start+size])
			b.WriteString("***")
		}
		b.WriteString(s[at:end])
		done = end
		next := strings.IndexByte(s[end:], '@')
		if next < 0 {
			break
		}
		at = end + next
	}
	b.WriteString(s[done:])
	return b.String()
}

// userInfo reports whether local, what precedes an '@' in a token, is
// the scheme and user info of a URL ("sftp://user:REDACTED"): the '@'
// then ends the user info, which source.Redact has already redacted, and
// the token is left alone. An '@' in a URL's path or query is masked.
func userInfo(local string) bool {
	i := strings.Index(local, "://")
	return i > 0 && !strings.ContainsAny(local[i+3:], "/?#")
}

// tokenBreak reports whether c ends an e-mail-like token.
func tokenBreak(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', ',', ';', '<', '>', '(', ')', '`':
		return true
	}
	return false
}

// maskReject masks the e-mail addresses of r's record id, message and
// value, and notes it in the message when something was masked.
func maskReject(r Reject) Reject {
	id, msg, val := MaskEmails(r.RecordID), MaskEmails(r.Message), MaskEmails(r.Value)
	if id != r.RecordID || msg != r.Message || val != r.Value {
		r.RecordID, r.Message, r.Value = id, msg+MaskedNote, val
	}
	return r
}

// MaskEmails masks, in place, every e-mail-like token the report may
// quote from the input (see MaskEmails): the import's and the files'
// errors, the record ids of superseded runs, the samples, and the string
// statistics (minimum, maximum, most frequent values). Counts, names of
// columns and codes are left alone. The importer calls it when
// --hash-emails is on, where user ids are already hashed and only a value
// that failed to be one can still hold an address.
func (r *Report) MaskEmails() {
	r.Error = MaskEmails(r.Error)
	for i := range r.Files {
		r.Files[i].Error = MaskEmails(r.Files[i].Error)
	}
	for i := range r.Superseded {
		r.Superseded[i].OrderID = MaskEmails(r.Superseded[i].OrderID)
	}
	maskRaw := func(ms []json.RawMessage) {
		for i, m := range ms {
			if bytes.IndexByte(m, '@') >= 0 {
				ms[i] = json.RawMessage(MaskEmails(string(m)))
			}
		}
	}
	maskRaw(r.Samples.First)
	maskRaw(r.Samples.Last)
	maskAny := func(v any) any {
		if s, ok := v.(string); ok {
			return MaskEmails(s)
		}
		return v
	}
	for _, cols := range r.Stats {
		for i := range cols {
			c := &cols[i]
			c.Min, c.Max = maskAny(c.Min), maskAny(c.Max)
			for j := range c.Top {
				c.Top[j].Value = maskAny(c.Top[j].Value)
			}
		}
	}
}

// hashEmails reports whether the report's import ran with --hash-emails.
func (r *Report) hashEmails() bool {
	b, _ := r.Options["hash_emails"].(bool)
	return b
}
