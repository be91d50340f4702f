package products

import (
	"ingot/formats"
	"ingot/kinds"
	"ingot/kinds/internal/keyed"
	"ingot/schema"
)

// Kind is the products kind.
var Kind kinds.Kind = kind{}

// Spec describes product records to the keyed machinery.
var Spec = &keyed.Spec{Kind: schema.Products, KeyColumn: formats.ProductIDField, KeyName: "product_id",
	Create: "productAdd", Update: "productUpdate", Table: schema.Products}

type kind struct{}

// Name returns "products".
func (kind) Name() string { return schema.Products }

// Tables returns the products table.
func (kind) Tables() []*schema.Table { return []*schema.Table{schema.ProductsTable} }

// State names product_id and its fingerprint (see the customers kind).
func (kind) State() kinds.StateSpec {
	return kinds.StateSpec{Table: schema.Products, Key: "product_id", Fingerprint: "fingerprint"}
}

// Lookups asks for the committed attributes, to merge into.
func (kind) Lookups(kinds.RecordOptions) []kinds.LookupSpec {
	return keyed.Lookups(Spec, schema.ProductsTable)
}

// Bind binds a products format to a header: productId must be in it.
func (kind) Bind(f *formats.Format, header []string, opt kinds.BindOptions) (kinds.Validator, error) {
	return keyed.NewValidator(Spec, header, opt)
}

// NewGrouper starts the diff of one attempt.
func (kind) NewGrouper(cfg kinds.GroupConfig) (kinds.Grouper, error) {
	return keyed.NewGrouper(Spec, schema.ProductsTable, cfg), nil
}
