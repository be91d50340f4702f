package source

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRedact checks that Redact never panics, leaves local paths alone,
// and never lets through the password or a secret query value of a URI
// that parses.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"https://u:p@h/x?token=t", "sftp://a:b@h:22/p", "s3://b/k", "data/x.csv",
		"http://h/x?X-Amz-Signature=abc&a=b", "https://%zz@h/", "file:///x", "ftp://u:p@h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		got := Redact(uri)
		if scheme, _ := splitScheme(uri); scheme == "" || scheme == "file" {
			if got != uri {
				t.Fatalf("Redact(%q) = %q, want it unchanged", uri, got)
			}
			return
		}
		u, err := url.Parse(uri)
		if err != nil || u.User == nil {
			return
		}
		if pw, ok := u.User.Password(); ok && len(pw) >= 4 && pw != Redacted && !strings.Contains(Redacted, pw) &&
			strings.Count(uri, pw) == 1 && strings.Contains(got, pw) {
			t.Fatalf("Redact(%q) = %q keeps the password %q", uri, got, pw)
		}
		for k, vs := range u.Query() {
			for _, v := range vs {
				if secretParam(k) && len(v) >= 4 && strings.Count(uri, v) == 1 && !strings.Contains(Redacted, v) && strings.Contains(got, url.QueryEscape(v)) && strings.Contains(got, v) {
					t.Fatalf("Redact(%q) = %q keeps the value of %s", uri, got, k)
				}
			}
		}
	})
}
