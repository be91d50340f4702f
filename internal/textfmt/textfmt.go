// Package textfmt formats numbers for people: the one place for the
// helpers that reports, progress lines and commands share.
package textfmt

import (
	"strconv"
	"strings"
)

// Thousands formats n with thousands separators: 2,514,993.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
