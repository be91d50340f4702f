package schema

import "github.com/apache/arrow-go/v18/arrow"

// Products is the name of the committed products table.
const Products = "products"

// ProductsSchema is the committed products table: one row per product
// version, its attributes (name, brand, category, price, …) as one JSON
// object with sorted keys, after the import's merge strategy.
var ProductsSchema = arrow.NewSchema([]arrow.Field{
	str("product_id", false),
	str("attributes", false),
	str("fingerprint", false),
	str("import_id", false),
	str("source_file", false),
	{Name: "source_line", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// ProductsTable describes the products table, keyed by product_id and,
// like customers, not partitioned (a catalogue is read whole: by the
// enrichment of orders and by the current-state view).
var ProductsTable = &Table{
	Name:       Products,
	Schema:     ProductsSchema,
	Key:        []string{"product_id"},
	Dictionary: []string{"import_id", "source_file"},
}
