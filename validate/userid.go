package validate

import (
	"crypto/sha256"
	"encoding/hex"

	"ingot/columnar"
	"ingot/issue"
)

// The user id types ingot knows; any other non-empty type is custom and
// kept as written.
const (
	TypeEmail       = "email"
	TypeEmailSHA256 = "email_sha256"
	TypeEmailMD5    = "email_md5"
	TypePhone       = "phone"
	TypePhoneSHA256 = "phone_sha256"
)

var knownTypes = []string{TypeEmail, TypeEmailSHA256, TypeEmailMD5, TypePhone, TypePhoneSHA256}

var placeholders = []string{"null", "undefined", "none"}

// UserID normalises and checks one user id. typ is the userIdType as
// written, v the userId. It returns the type and id to store, appended to
// typDst and idDst, or the problem. With hashEmails a valid e-mail becomes
// its SHA-256 (of the trimmed, lower-cased address) with type email_sha256.
func UserID(typDst, idDst, typ, v []byte, hashEmails bool) (typOut, idOut []byte, p issue.UserIDProblem) {
	typ = columnar.TrimSpace(typ)
	v = columnar.TrimSpace(v)
	if len(v) == 0 || columnar.MatchFold(v, placeholders) >= 0 {
		return typDst, idDst, issue.UserIDPlaceholder
	}
	k := columnar.MatchFold(typ, knownTypes)
	if k < 0 { // custom type: kept as written
		return append(typDst, typ...), append(idDst, v...), 0
	}
	canon := knownTypes[k]
	switch canon {
	case TypeEmail:
		if !IsEmail(v) {
			return typDst, idDst, issue.UserIDEmail
		}
		if hashEmails {
			start := len(idDst)
			idDst = appendLower(idDst, v)
			sum := sha256.Sum256(idDst[start:])
			idDst = hex.AppendEncode(idDst[:start], sum[:])
			return append(typDst, TypeEmailSHA256...), idDst, 0
		}
		return append(typDst, canon...), appendLower(idDst, v), 0
	case TypeEmailSHA256, TypePhoneSHA256:
		if !isHex(v, 64) {
			return typDst, idDst, issue.UserIDHex64
		}
	case TypeEmailMD5:
		if !isHex(v, 32) {
			return typDst, idDst, issue.UserIDHex32
		}
	case TypePhone:
		if !IsE164(v) {
			return typDst, idDst, issue.UserIDPhone
		}
	}
	return append(typDst, canon...), appendLower(idDst, v), 0
}

func appendLower(dst, s []byte) []byte {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func isHex(v []byte, n int) bool {
	if len(v) != n {
		return false
	}
	for _, c := range v {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// IsE164 reports whether v is a phone number in E.164 form: + and 6 to 15
// digits, the first not 0.
func IsE164(v []byte) bool {
	if len(v) < 7 || len(v) > 16 || v[0] != '+' || v[1] == '0' {
		return false
	}
	for _, c := range v[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var localChars = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range ".!#$%&'*+/=?^_`{|}~-" {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ { // internationalised addresses (RFC 6531)
		t[c] = true
	}
	return t
}()

// IsEmail reports whether v is a plausible e-mail address: a local part of
// letters, digits and !#$%&'*+/=?^_`{|}~.- (no leading, trailing or double
// dot), one @, and a domain of at least two dot-separated labels of
// letters, digits and inner hyphens, the last at least two letters.
// Non-ASCII letters are allowed (RFC 6531). It does not accept quoted local
// parts or IP-literal domains, which shops do not produce.
func IsEmail(v []byte) bool {
	if len(v) > 254 {
		return false
	}
	at := -1
	for i, c := range v {
		if c == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at < 1 || at > 64 || at == len(v)-1 {
		return false
	}
	local, domain := v[:at], v[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' {
		return false
	}
	for i, c := range local {
		if !localChars[c] || c == '.' && local[i+1] == '.' {
			return false
		}
	}
	labels, start := 0, 0
	for i := 0; i <= len(domain); i++ {
		if i < len(domain) && domain[i] != '.' {
			c := domain[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c >= 0x80) {
				return false
			}
			continue
		}
		label := domain[start:i]
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
		if i == len(domain) { // the top-level domain
			if len(label) < 2 {
				return false
			}
			for _, c := range label {
				if c >= '0' && c <= '9' || c == '-' {
					return false
				}
			}
		}
		start = i + 1
	}
	return labels >= 2
}
