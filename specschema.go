package ingot

import _ "embed"

//go:embed ingot.schema.json
var specSchema []byte

// SpecSchema returns the JSON Schema (draft 2020-12) of job specs that
// ingot ships as ingot.schema.json, for `ingot spec schema` and editors.
// The spec package's tests check that it and the spec decoder accept the
// same keys.
func SpecSchema() []byte { return specSchema }
