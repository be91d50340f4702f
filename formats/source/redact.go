package source

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Redacted replaces a secret in what Redact returns.
const Redacted = "REDACTED"

// Redact returns uri fit for logs, errors and reports: a password in its
// user info is replaced by Redacted (for http(s) and unknown schemes the
// whole user info, which often is a token), and so is the value of every
// query parameter whose name suggests a secret (token, signature, key,
// credential, password, secret, auth, session, code; case-insensitive, so
// X-Amz-Signature and X-Amz-Security-Token of presigned URLs are caught).
// Local paths come back unchanged. A URI that does not parse loses
// everything between "//" and "@", and its query.
func Redact(uri string) string {
	scheme, _ := splitScheme(uri)
	if scheme == "" || scheme == "file" {
		return uri
	}
	u, err := url.Parse(uri)
	if err != nil {
		s := userInfoRE.ReplaceAllString(uri, "//"+Redacted+"@")
		if i := strings.IndexByte(s, '?'); i >= 0 {
			s = s[:i] + "?" + Redacted
		}
		return s
	}
	changed := false
	if u.User != nil {
		switch scheme {
		case "sftp", "ssh", "s3":
			// A user name picks an account on a host; a password is a secret.
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), Redacted)
				changed = true
			}
		default:
			u.User = url.User(Redacted)
			changed = true
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		secret := false
		for k, vs := range q {
			if secretParam(k) {
				for i := range vs {
					vs[i] = Redacted
				}
				secret = true
			}
		}
		if secret {
			u.RawQuery = q.Encode()
			changed = true
		}
	}
	if !changed {
		return uri
	}
	return u.String()
}

// userInfoRE matches the user info of a URI that url.Parse rejects.
var userInfoRE = regexp.MustCompile(`//[^/?#]*@`)

// secretWords are the parts of query parameter names that mark a secret.
var secretWords = []string{"token", "sig", "key", "credential", "pass", "secret", "auth", "session", "code"}

// secretParam reports whether a query parameter name suggests a secret.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// redactErr rewrites the URL held by a *url.Error in err's chain (net/http
// puts the request URL, query tokens included, into its errors).
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = Redact(ue.URL)
	}
	return err
}

// vault keeps the URIs whose secrets Redact hides, so that a store can
// return objects with redacted URIs (safe to print, report and record in
// a manifest) and still open them. One vault lives in one store, for one
// import; two URIs that differ only in their secrets share one entry, the
// last listed.
type vault struct {
	mu sync.Mutex
	m  map[string]string // redacted -> as given
}

// hide returns Redact(uri), remembering uri if they differ.
func (v *vault) hide(uri string) string {
	r := Redact(uri)
	if r != uri {
		v.mu.Lock()
		if v.m == nil {
			v.m = make(map[string]string)
		}
		v.m[r] = uri
		v.mu.Unlock()
	}
	return r
}

// reveal returns the URI that hide was given for a redacted one, or uri
// itself.
func (v *vault) reveal(uri string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if u, ok := v.m[uri]; ok {
		return u
	}
	return uri
}
