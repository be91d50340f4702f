package orders

import (
	"fmt"

	"ingot/columnar"
	"ingot/formats"
	"ingot/kinds"
	"ingot/schema"
)

// Kind is the orders kind: orders with their line items, from formats
// that put one line item on a row and an order on consecutive rows.
var Kind kinds.Kind = kind{}

type kind struct{}

// Name returns "orders".
func (kind) Name() string { return "orders" }

// Tables returns the orders and line_items tables.
func (kind) Tables() []*schema.Table {
	return []*schema.Table{schema.OrdersTable, schema.LineItemsTable}
}

// State is the orders table's order_id and fingerprint.
func (kind) State() kinds.StateSpec {
	return kinds.StateSpec{Table: schema.Orders, Key: "order_id", Fingerprint: "fingerprint"}
}

// Bind binds an order format to a header (NewValidator).
func (kind) Bind(f *formats.Format, header []string, opt kinds.BindOptions) (kinds.Validator, error) {
	v, err := NewValidator(f, header, Options{HashEmails: opt.HashEmails, Allocator: opt.Allocator, Pool: opt.Pool, OnRagged: opt.Records.OnRagged})
	if err != nil {
		return nil, err
	}
	return batchValidator{v}, nil
}

// batchValidator adapts Validator to kinds.Validator.
type batchValidator struct{ *Validator }

func (v batchValidator) Validate(b *columnar.Batch) (kinds.Validated, error) {
	o, err := v.Validator.Validate(b)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// NewGrouper starts the grouping of one attempt. Every format of the kind
// has a Key field: the order id that groups rows.
func (kind) NewGrouper(cfg kinds.GroupConfig) (kinds.Grouper, error) {
	key, err := keyFieldOf(cfg.Format)
	if err != nil {
		return nil, err
	}
	return newGrouper(cfg, key), nil
}

// keyFieldOf returns the header name of f's order id.
func keyFieldOf(f *formats.Format) (string, error) {
	k := f.KeyField()
	if k == nil {
		return "", fmt.Errorf("orders: format %s has no Key field", f.Name)
	}
	return k.Name, nil
}
