package formats

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"ingot/formats/csv"
	"ingot/formats/json"
	"ingot/formats/source"
	"ingot/schema"
)

// EventLayout says how the columns of an event format make an event
// (kind events): which column holds the event's name, its user, its time
// and its id. Every column it does not name is a property of the event,
// kept with its name (JSON values with their types, CSV values as text).
// A positional format (Related Digital) names no columns: its binding is
// fixed by position (RelatedDigitalColumns).
type EventLayout struct {
	// Positional: the columns are bound by position, as Related Digital
	// lays them out; the names below are unused.
	Positional bool
	// Event is the column of the event's name (required).
	Event string
	// EventID, if set, is the column whose value identifies the event; an
	// event without one is identified by its fingerprint.
	EventID string
	// Timestamp is the column of when the event occurred (ISO-8601; UTC
	// when no zone is given).
	Timestamp string
	// TimestampRequired: an event without a timestamp is rejected. If
	// false, it takes the time of its file (FileTime), or is rejected
	// when there is none.
	TimestampRequired bool
	// UserID is the column of the user id; UserIDFlag says the import's
	// --user-id names it instead (default UserID). UserIDType is its type,
	// or "" to take the type from the column UserIDTypeColumn when the
	// record has one, else from --user-id-type (default email).
	UserID           string
	UserIDFlag       bool
	UserIDType       string
	UserIDTypeColumn string
	// AltUserID and AltScope: in place of UserID, the pair (an e-mail and
	// the business unit it belongs to, for CrossEngage). AltUserID is the
	// user id, of type AltUserIDType; AltScope must be given with it and
	// stays a property.
	AltUserID, AltScope, AltUserIDType string
	// FileTime, if set, returns the time a source file name gives (the
	// export time of event_history_YYYYMMDDHHMMSS.json), in microseconds
	// since the epoch, UTC.
	FileTime func(name string) (int64, bool)
}

// The event formats (design section 2). Their events go to the events
// table: event, user_id_type, user_id, occurred_at, properties (every
// other field, as a JSON object), keyed by the event's id where the
// format has one, else by its content's fingerprint.
var (
	// CrossEngageJSON is CrossEngage's event feed: one JSON array of
	// objects, streamed. Each has "event" (its name) and "id" (the user's
	// external id, type external_id) or instead the pair "email" (type
	// email) and "businessUnit"; everything else (timestamp, orderId,
	// totals, a cart, …) is the event's properties, businessUnit and a
	// second id included. occurred_at is "timestamp" (ISO-8601), or, for
	// an event without one, the export time in its file's name. Files are
	// named event_history_YYYYMMDDHHMMSS.json (UTC), zipped as
	// event_history_YYYYMMDDHHMMSS.json.zip holding exactly that file;
	// several files import in the order of those timestamps, and a file
	// breaking either rule fails with the reason while the others import.
	CrossEngageJSON = &Format{
		Name: "crossengage-json", Kind: schema.Events, Shape: JSONArray, Attributes: true,
		Fields: []Field{
			{Name: "event", Table: schema.Events, Column: "event", Type: Text, Required: true},
			{Name: "id", Table: schema.Events, Column: "user_id", Type: UserIDValue, Required: true},
			{Name: "email", Table: schema.Events, Column: "user_id", Type: UserIDValue},
			{Name: "businessUnit", Table: schema.Events, Type: Text},
			{Name: "timestamp", Table: schema.Events, Column: "occurred_at", Type: Timestamp},
		},
		Events: &EventLayout{Event: "event", Timestamp: "timestamp", UserID: "id", UserIDType: "external_id",
			AltUserID: "email", AltScope: "businessUnit", AltUserIDType: "email", FileTime: CrossEngageFileTime},
		SourceName: CrossEngageSourceName, ZipEntry: ZipEntryNamedAsArchive,
	}

	// RelatedDigital is Related Digital's positional event feed:
	// `;`-separated, `"` text qualifier, a header row optional (detected:
	// a first row whose first field does not start with a digit is a
	// header), plain or zip. Columns by position (RelatedDigitalColumns):
	// 1 timestamp (`2014-05-25 12:25:43`, UTC), 2 customer id (type
	// customer_id), 3 event type (`7` = purchase), 4 category, 5 event
	// name (a product code), 6 num1 (amount), 7 num2 (total sales), 8–12
	// var1–var5, 13–22 event-name attributes 1–10, 23+ any number of
	// transaction attributes. Timestamp, customer id, event type, event
	// name, num1 and num2 are mandatory, num1 and num2 numbers; a row
	// needs the 22 positional columns (empty ones keep their separators).
	// The event is "purchase" for type 7 and the type as given otherwise;
	// its properties are event_type, category, event_name, num1, num2
	// (as numbers), var1–var5 and attr1–attr10 when not empty, and
	// transaction_attributes, an array of every column from the 23rd
	// (trailing empty ones left out). Files import in the order of their
	// names.
	RelatedDigital = &Format{
		Name: "related-digital", Kind: schema.Events, Shape: RelatedDigitalShape, Attributes: true, Delimiter: ';',
		Events: &EventLayout{Positional: true}, SourceName: ByName,
	}

	// EventsJSONL is the generic event feed: one JSON object per line.
	// "event" (the event's name, a string), "userId" (the user id; the
	// column is --user-id) and "timestamp" (ISO-8601, UTC when no zone
	// is given) are required; the type of the user id is the record's
	// "userIdType" when it has one, else --user-id-type (default email);
	// "eventId", when given, identifies the event (else its fingerprint
	// does). Every other key is a property, with its JSON type. A bad line
	// is one rejected record. Files import in the order of their names.
	EventsJSONL = &Format{
		Name: "jsonl", Kind: schema.Events, Shape: JSONLines, Attributes: true,
		Fields: []Field{
			{Name: "event", Table: schema.Events, Column: "event", Type: Text, Required: true},
			{Name: "userId", Table: schema.Events, Column: "user_id", Type: UserIDValue, Required: true},
			{Name: "userIdType", Table: schema.Events, Column: "user_id_type", Type: UserIDType},
			{Name: "timestamp", Table: schema.Events, Column: "occurred_at", Type: Timestamp, Required: true},
			{Name: "eventId", Table: schema.Events, Column: "event_key", Type: Text},
		},
		Events: &EventLayout{Event: "event", EventID: "eventId", Timestamp: "timestamp", TimestampRequired: true,
			UserID: "userId", UserIDFlag: true, UserIDTypeColumn: "userIdType"},
		SourceName: ByName,
	}
)

// RelatedDigitalColumns names the 22 positional columns of Related
// Digital, in order, as they appear in an event's properties (timestamp,
// customer_id and event_type make the event itself). Columns from the
// 23rd on are transaction attributes.
var RelatedDigitalColumns = []string{
	"timestamp", "customer_id", "event_type", "category", "event_name", "num1", "num2",
	"var1", "var2", "var3", "var4", "var5",
	"attr1", "attr2", "attr3", "attr4", "attr5", "attr6", "attr7", "attr8", "attr9", "attr10",
}

// RelatedDigitalRequired is how many of RelatedDigitalColumns a row must
// have, and RelatedDigitalMandatory the positions (0-based) that must not
// be empty.
var (
	RelatedDigitalRequired  = len(RelatedDigitalColumns)
	RelatedDigitalMandatory = []int{0, 1, 2, 4, 5, 6}
)

// JSONArray is the shape of one JSON array of objects, streamed (never
// loaded whole); a syntax error fails the rest of the input, naming its
// line and column.
func JSONArray(r io.Reader, source string, opt ReadOptions) (BatchReader, error) {
	return newJSONShape(r, source, opt, json.Array)
}

// RelatedDigitalShape reads Related Digital's positional CSV: `;` unless
// ReadOptions.Delimiter says otherwise, `"` as text qualifier, a header
// row when the first field of the first row does not start with a digit
// (a timestamp does). Columns are named by the header, or, without one,
// RelatedDigitalColumns and transaction_attribute_1, 2, … up to the widest
// row of the first 64 KiB (at most 64 columns); the binding goes by
// position either way. Fields past that count are joined to the last
// column with the delimiter, as the CSV reader does, and split again by
// the binding: there, a delimiter inside a quoted transaction attribute
// splits it (the CSV reader keeps no quotes of surplus fields).
func RelatedDigitalShape(r io.Reader, source string, opt ReadOptions) (BatchReader, error) {
	delim := cmp.Or(opt.Delimiter, ';')
	br := bufio.NewReaderSize(r, 64<<10)
	peek, perr := br.Peek(64 << 10)
	first := bytes.TrimPrefix(peek, []byte("\xef\xbb\xbf"))
	first = bytes.TrimLeft(first[:min(len(first), 256)], "\" ")
	header := len(first) > 0 && first[0] != delim && first[0] != '\n' && first[0] != '\r' && (first[0] < '0' || first[0] > '9')
	var names []string
	if !header {
		// As many columns as the widest record of the first 64 KiB has
		// (up to relatedDigitalMaxColumns), so that transaction attributes
		// are fields of their own, quotes respected.
		names = RelatedDigitalColumns
		if n := min(maxFields(peek, delim, perr != nil), relatedDigitalMaxColumns); n > len(names) {
			names = slices.Clone(names)
			for k := len(names); k < n; k++ {
				names = append(names, fmt.Sprintf("transaction_attribute_%d", k-len(RelatedDigitalColumns)+1))
			}
		}
	}
	return csv.NewReader(br, source, csv.Options{
		Delimiter: delim, NoHeader: !header, Names: names, BatchRows: opt.BatchRows, Allocator: opt.Allocator,
		MaxRecordBytes: opt.MaxRecordBytes, MaxFieldBytes: opt.MaxFieldBytes, MaxColumns: opt.MaxColumns,
	})
}

// relatedDigitalMaxColumns caps the columns a headerless Related Digital
// input is read into: every column costs its offsets per row of a batch.
const relatedDigitalMaxColumns = 64

// maxFields returns the most fields a complete line of b has (with end,
// b is the whole input and its last line is complete too); a quote
// opening a field hides delimiters and line breaks up to its closing one.
func maxFields(b []byte, delim byte, end bool) int {
	most, n, quoted, start := 0, 1, false, true
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case quoted:
			if c == '"' {
				if i+1 < len(b) && b[i+1] == '"' {
					i++
				} else {
					quoted = false
				}
			}
			continue
		case c == '"' && start:
			quoted = true
		case c == delim:
			n++
			start = true
			continue
		case c == '\n':
			most = max(most, n)
			n, start = 1, true
			continue
		}
		start = false
	}
	if end {
		most = max(most, n)
	}
	return most
}

var crossEngageName = regexp.MustCompile(`^event_history_(\d{14})\.json(\.zip)?$`)

// ErrSourceName is the cause of the error of a source whose name breaks
// its format's naming rule, or whose zip holds a file named otherwise.
var ErrSourceName = errors.New("source name breaks the format's naming rule")

// CrossEngageSourceName checks a CrossEngage file name,
// event_history_YYYYMMDDHHMMSS.json or .json.zip with a valid UTC date
// and time, and returns the timestamp, by which files sort.
func CrossEngageSourceName(name string) (string, error) {
	m := crossEngageName.FindStringSubmatch(name)
	if m == nil {
		return "", fmt.Errorf("%w: expected a CrossEngage file named event_history_YYYYMMDDHHMMSS.json or .json.zip, found %q", ErrSourceName, name)
	}
	if _, err := time.Parse("20060102150405", m[1]); err != nil {
		return "", fmt.Errorf("%w: expected a valid UTC date and time YYYYMMDDHHMMSS in %q, found %s", ErrSourceName, name, m[1])
	}
	return m[1], nil
}

// CrossEngageFileTime returns the export time in a CrossEngage file name.
func CrossEngageFileTime(name string) (int64, bool) {
	m := crossEngageName.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	t, err := time.Parse("20060102150405", m[1])
	if err != nil {
		return 0, false
	}
	return t.UnixMicro(), true
}

// ByName is the naming rule of formats whose files import in the order of
// their base names: any name is fine.
func ByName(name string) (string, error) { return name, nil }

// ZipEntryNamedAsArchive checks that the one file of a zip archive is
// named as the archive without ".zip".
func ZipEntryNamedAsArchive(archive, entry string) error {
	want, ok := strings.CutSuffix(archive, ".zip")
	if !ok {
		return fmt.Errorf("%w: a zip archive must be named as the file it holds plus .zip, found %q holding %q", ErrSourceName, archive, entry)
	}
	if entry != want {
		return fmt.Errorf("%w: expected the zip %q to hold one file named %q, found %q", ErrSourceName, archive, want, entry)
	}
	return nil
}

// SortSources orders the sources of an import in f's order: by the key
// f.SourceName gives each name (stably, so that equal keys keep the order
// they were given in), the sources whose name breaks the rule last (they
// fail when read). Standard input, which has no name, stays first. A
// format without SourceName keeps the given order.
func SortSources(f *Format, objs []source.Object) []source.Object {
	if f == nil || f.SourceName == nil {
		return objs
	}
	type keyed struct {
		o   source.Object
		bad bool
		key string
	}
	ks := make([]keyed, len(objs))
	for i, o := range objs {
		ks[i].o = o
		if o.URI == source.StdinURI {
			continue
		}
		k, err := f.SourceName(o.Name)
		ks[i].key, ks[i].bad = k, err != nil
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if a.bad != b.bad {
			if a.bad {
				return 1
			}
			return -1
		}
		return strings.Compare(a.key, b.key)
	})
	out := make([]source.Object, len(objs))
	for i, k := range ks {
		out[i] = k.o
	}
	return out
}
