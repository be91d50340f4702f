package json

import "bytes"

// Sniff says what shape of JSON a stream whose first bytes are prefix
// holds (a KiB is plenty): Array when its first byte (after an optional
// UTF-8 byte order mark and whitespace) is '['; when it is '{', Objects if
// the first object spans several lines (a pretty-printed document) and
// Lines otherwise (including a first line longer than the prefix, or one
// that is not valid JSON: the reader reports where); NotJSON when the
// prefix is empty or starts with anything else.
func Sniff(prefix []byte) Shape {
	prefix = bytes.TrimPrefix(prefix, bom)
	r := &Reader{buf: prefix, lim: len(prefix), sline: 1, opt: Options{MaxDepth: 1 << 30}.withDefaults()}
	r.key.set = -1
	r.ws()
	if r.p >= r.lim {
		return NotJSON
	}
	c := prefix[r.p]
	if c != '[' && c != '{' {
		return NotJSON
	}
	if c == '[' {
		return Array
	}
	// Scan the first object as far as the prefix (or its syntax) goes,
	// counting the lines it spans.
	first := r.sline
	r.rawValue(&r.key, 0, 1)
	if r.sline > first {
		return Objects
	}
	return Lines
}
