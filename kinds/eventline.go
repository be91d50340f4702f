package kinds

import (
	"strconv"

	"ingot/columnar"
)

// AppendEventHead appends the start of an event-log line, up to its
// payload: {"type":T,"key":K<head>,"source":{"file":F,"line":L},"payload":
// — the type and key as JSON strings, head (the import's fields, starting
// with a comma) and fileKey (a JSON string) as given. Every kind's
// grouper writes its events' lines with it, so the log has one shape.
func AppendEventHead(dst, typ, key, head, fileKey []byte, line int64) []byte {
	dst = append(dst, `{"type":`...)
	dst = columnar.AppendJSONString(dst, typ)
	dst = append(dst, `,"key":`...)
	dst = columnar.AppendJSONString(dst, key)
	dst = append(dst, head...)
	dst = append(dst, `,"source":{"file":`...)
	dst = append(dst, fileKey...)
	dst = append(dst, `,"line":`...)
	dst = strconv.AppendInt(dst, line, 10)
	return append(dst, `},"payload":`...)
}
