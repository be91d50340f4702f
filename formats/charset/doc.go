// Package charset converts an input's text encoding to UTF-8: a named
// encoding (any WHATWG or IANA name, UTF-16 by its BOM) or "auto"
// detection, reporting what it chose and how confident it is. UTF-8 input
// passes through uncopied.
//
// It does not parse: readers report invalid UTF-8 as issues on their rows.
package charset
