// Package spec reads job specs: the YAML (or JSON) files that describe one
// import or several (design section 4, a contract). Parse and Load decode
// through yaml.Node so that every problem names the file, line and column
// and says what was expected and what was found; all problems of a spec
// are reported together in one *Error, which a command line maps to exit
// code 2. Unknown keys, wrong types and bad values (a kind's format, a
// cron schedule, a timestamp pattern, a cast target, a fallback date
// expression, an attribute type) are all errors.
//
// Values may name environment variables as ${VAR} or ${VAR:-default}
// ($${ is a literal ${); a variable that is unset without a default is an
// error naming it. Values of variables whose names say they hold
// credentials are masked, with URI passwords and signature or token
// query parameters, when a spec is printed (Spec.Resolved).
//
// A spec with `imports:` holds several imports, which share the settings
// at its root and run customers → products → orders → events. Transforms
// decode into transform.Steps, ready for transform.Compile; a customers
// mapping into Attributes, which ExportMapping, ImportMapping and
// ReplaceMapping write and read as JSON for `ingot mapping export|import`.
//
// The JSON Schema ingot ships (ingot.schema.json at the module root,
// embedded by package ingot) describes the same keys; the tests check
// that the two agree.
//
// The package does not apply flags (the CLI overrides fields of Import),
// open sources, or run anything.
package spec
