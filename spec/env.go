package spec

import (
	"fmt"
	"strings"
)

// interpolate replaces ${VAR} (and ${VAR:-default}, used when VAR is
// unset or empty) in s with the environment's values; $${ stands for a
// literal ${. A variable that is unset and has no default is an error
// naming it. secret is called with the name and value of every variable
// used.
func interpolate(s string, env func(string) (string, bool), secret func(name, value string)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated ${ at byte %d (write $${ for a literal ${)", i+1)
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if !validVarName(name) {
			return "", fmt.Errorf("${%s}: expected an environment variable name (letters, digits, _)", expr)
		}
		v, ok := env(name)
		switch {
		case ok && (v != "" || !hasDef):
			secret(name, v)
		case hasDef:
			v = def
		default:
			return "", fmt.Errorf("environment variable %s is not set (write ${%s:-default} for a default)", name, name)
		}
		b.WriteString(v)
		i += end + 1
	}
	return b.String(), nil
}

func validVarName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// secretName reports whether an environment variable's name says it holds
// a credential; its value is then masked when a spec is printed.
func secretName(name string) bool {
	u := strings.ToUpper(name)
	for _, w := range []string{"SECRET", "PASSWORD", "PASSWD", "PASS", "TOKEN", "KEY", "CREDENTIAL", "AUTH", "SIGNATURE"} {
		if strings.Contains(u, w) {
			return true
		}
	}
	return false
}
