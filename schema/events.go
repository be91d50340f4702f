package schema

import "github.com/apache/arrow-go/v18/arrow"

// Events is the name of the committed events table.
const Events = "events"

// EventsPartitionColumn is the Hive partition key of events: the UTC day
// of occurred_at, YYYY-MM-DD.
const EventsPartitionColumn = "event_date"

// EventsSchema is the committed events table (design section 3): one row
// per event version. event is the feed's event name (CrossEngage's
// "event", Related Digital's event type), user_id_type and user_id whom
// it is about, occurred_at when it happened (UTC), properties everything
// else the feed gave, as one JSON object. event_key identifies the event:
// its id where the format has one, else its fingerprint (16 hex digits of
// the content), so that re-importing a feed adds nothing. The partition
// column event_date is not stored in the files: it is the Hive folder
// name.
var EventsSchema = arrow.NewSchema([]arrow.Field{
	str("event", false),
	str("user_id_type", false),
	str("user_id", false),
	{Name: "occurred_at", Type: Timestamp},
	str("properties", false),
	str("event_key", false),
	str("fingerprint", false),
	str("import_id", false),
	str("source_file", false),
	{Name: "source_line", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// EventsTable describes the events table, keyed by event_key and
// partitioned by the day the event occurred (feeds are read and pruned
// by day).
var EventsTable = &Table{
	Name:       Events,
	Schema:     EventsSchema,
	Key:        []string{"event_key"},
	Partition:  EventsPartitionColumn,
	Dictionary: []string{"event", "user_id_type", "import_id", "source_file"},
}
