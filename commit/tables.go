package commit

import "github.com/apache/arrow-go/v18/arrow"

// Table names, also the top-level folders under the destination.
const (
	Orders    = "orders"
	LineItems = "line_items"
)

// Timestamp is the Arrow type of every committed timestamp: microseconds,
// UTC.
var Timestamp = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// StringList is the Arrow type of list columns (promotions, categories).
var StringList = arrow.ListOf(arrow.BinaryTypes.String)

func str(name string, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: nullable}
}

func f64(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64}
}

// OrdersSchema is the committed orders table (design section 3). The
// partition column created_month is not stored in the files: it is the
// Hive folder name.
var OrdersSchema = arrow.NewSchema([]arrow.Field{
	str("order_id", false),
	str("user_id_type", false),
	str("user_id", false),
	str("currency", false),
	f64("total"), f64("subtotal"), f64("tax"), f64("shipping"), f64("discount"), f64("refund"),
	str("payment_method", true),
	str("shipping_method", true),
	str("shipping_country", true),
	str("source", true),
	{Name: "promotions", Type: StringList, Nullable: true},
	{Name: "created_at", Type: Timestamp},
	{Name: "last_updated", Type: Timestamp, Nullable: true},
	str("fingerprint", false),
	str("import_id", false),
	str("source_file", false),
	{Name: "source_line", Type: arrow.PrimitiveTypes.Int64},
}, nil)

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
	f64("total"), f64("subtotal"), f64("tax"), f64("shipping"), f64("discount"), f64("refund"),
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

// PartitionColumn is the Hive partition key of orders and line_items.
const PartitionColumn = "created_month"
