// Package events is the events kind: feeds of things users did (orders
// completed, products viewed, newsletters subscribed), one record per
// event, committed to the events table partitioned by the day it
// occurred. It binds the event formats (formats.EventLayout: CrossEngage
// JSON, Related Digital's positional CSV, JSON Lines) to an event — its
// name, its user (validated as the orders' are, validate.UserID), when it
// occurred (UTC) and every other field as its properties (a JSON object)
// — and keys it by its id where the format has one, else by the
// fingerprint of its content, so that re-importing a feed adds nothing.
// An event already committed is unchanged and emits nothing; a new one is
// added and emits one event-log line whose type is the feed's event name.
// The same event given twice in one import is imported once.
//
// It does not read files, write Parquet or commit (the pipeline does),
// and imports no other kind.
package events
