package events

import (
	"ingot/formats"
	"ingot/kinds"
	"ingot/schema"
)

// Kind is the events kind.
var Kind kinds.Kind = kind{}

type kind struct{}

// Name returns "events".
func (kind) Name() string { return schema.Events }

// Tables returns the events table.
func (kind) Tables() []*schema.Table { return []*schema.Table{schema.EventsTable} }

// State names event_key and its fingerprint: an event is new when its key
// is not committed.
func (kind) State() kinds.StateSpec {
	return kinds.StateSpec{Table: schema.Events, Key: "event_key", Fingerprint: "fingerprint"}
}

// Bind binds an event format to a header.
func (kind) Bind(f *formats.Format, header []string, opt kinds.BindOptions) (kinds.Validator, error) {
	return NewValidator(f, header, opt)
}

// NewGrouper starts the diff of one attempt.
func (kind) NewGrouper(cfg kinds.GroupConfig) (kinds.Grouper, error) {
	return NewGrouper(cfg), nil
}
