// Package issue defines the issue codes that readers and rules record
// (columnar.Issues carries them as columns): each code's stable name,
// severity and hint, and the message template that says what was expected
// and what was found. The names are part of the report contract: scripts
// match on them.
//
// It is a leaf: it imports only columnar (for the Code type the issue
// columns hold). It knows no format, so its hints name no format's header
// fields; a message names a field only when its caller passes it in
// MessageContext.
package issue
