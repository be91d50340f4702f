package schema

import "github.com/apache/arrow-go/v18/arrow"

// Orders is the name of the committed orders table.
const Orders = "orders"

// OrdersSchema is the committed orders table (design section 3). The
// partition column created_month is not stored in the files: it is the
// Hive folder name.
var OrdersSchema = arrow.NewSchema([]arrow.Field{
	str("order_id", false),
	str("user_id_type", false),
	str("user_id", false),
	str("currency", false),
	money("total"), money("subtotal"), money("tax"), money("shipping"), money("discount"), money("refund"),
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

// OrdersTable describes the orders table: one row per order, keyed by
// order_id, with the content fingerprint that diffs are made against.
var OrdersTable = &Table{
	Name:      Orders,
	Schema:    OrdersSchema,
	Key:       []string{"order_id"},
	Partition: PartitionColumn,
	Dictionary: []string{"user_id_type", "currency", "payment_method", "shipping_method",
		"shipping_country", "source", "promotions", "import_id", "source_file"},
}
