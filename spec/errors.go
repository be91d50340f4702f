package spec

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a spec, at a position in its file.
type Problem struct {
	File         string
	Line, Column int
	// Path names the value in the spec: imports[1].transforms[0].cast.to.
	Path string
	Msg  string
}

func (p Problem) String() string {
	where := p.File
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
	if p.Path == "" {
		return where + ": " + p.Msg
	}
	return where + ": " + p.Path + ": " + p.Msg
}

// Error lists every problem found in a spec. A command line maps it to
// exit code 2 (bad usage or spec).
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
