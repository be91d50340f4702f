package customers

import (
	"ingot/formats"
	"ingot/kinds"
	"ingot/kinds/internal/keyed"
	"ingot/schema"
)

// Kind is the customers kind.
var Kind kinds.Kind = kind{}

// Spec describes customer records to the keyed machinery.
var Spec = &keyed.Spec{Kind: schema.Customers, UserID: true, Create: "customerCreate", Update: "customerUpdate", Table: schema.Customers}

type kind struct{}

// Name returns "customers".
func (kind) Name() string { return schema.Customers }

// Tables returns the customers table.
func (kind) Tables() []*schema.Table { return []*schema.Table{schema.CustomersTable} }

// State names user_id and its fingerprint. The grouper diffs against the
// committed attributes (Lookups), keyed by user id type and user id; the
// fingerprint state is loaded for the pipeline's sake only.
func (kind) State() kinds.StateSpec {
	return kinds.StateSpec{Table: schema.Customers, Key: "user_id", Fingerprint: "fingerprint"}
}

// Lookups asks for the committed attributes, to merge into.
func (kind) Lookups(kinds.RecordOptions) []kinds.LookupSpec {
	return keyed.Lookups(Spec, schema.CustomersTable)
}

// Bind binds a customers format to a header: the user id column must be
// in it.
func (kind) Bind(f *formats.Format, header []string, opt kinds.BindOptions) (kinds.Validator, error) {
	return keyed.NewValidator(Spec, header, opt)
}

// NewGrouper starts the diff of one attempt.
func (kind) NewGrouper(cfg kinds.GroupConfig) (kinds.Grouper, error) {
	return keyed.NewGrouper(Spec, schema.CustomersTable, cfg), nil
}
