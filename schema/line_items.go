package schema

import "github.com/apache/arrow-go/v18/arrow"

// LineItems is the name of the committed line_items table.
const LineItems = "line_items"

// LineItemsSchema is the committed line_items table (design section 3),
// with import_id, source_file and source_line added so that a line item can
// be traced to its import and input line, and the current line items of an
// order found as those of the order's current import.
var LineItemsSchema = arrow.NewSchema([]arrow.Field{
	str("order_id", false),
	{Name: "line_no", Type: arrow.PrimitiveTypes.Int32},
	str("line_item_id", true),
	str("product_id", false),
	str("item_group_id", true),
	str("name", true),
	str("sku", false),
	str("brand", true),
	str("category", true),
	{Name: "categories", Type: StringList, Nullable: true},
	str("currency", false),
	money("total"), money("subtotal"), money("tax"), money("shipping"), money("discount"), money("refund"),
	{Name: "quantity", Type: arrow.PrimitiveTypes.Int64},
	{Name: "promotions", Type: StringList, Nullable: true},
	{Name: "adult", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "subscription_duration", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	str("size", true),
	str("size_system", true),
	str("status", false),
	str("import_id", false),
	str("source_file", false),
	{Name: "source_line", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// LineItemsTable describes the line_items table: one row per line item,
// keyed by its order and its position in the order.
var LineItemsTable = &Table{
	Name:      LineItems,
	Schema:    LineItemsSchema,
	Key:       []string{"order_id", "line_no"},
	Partition: PartitionColumn,
	Dictionary: []string{"brand", "category", "categories", "currency", "promotions", "size",
		"size_system", "status", "import_id", "source_file"},
}
