package schema

import "github.com/apache/arrow-go/v18/arrow"

// Customers is the name of the committed customers table.
const Customers = "customers"

// CustomersSchema is the committed customers table (design section 3):
// one row per customer version. attributes holds the customer's whole
// attribute set after the import's merge strategy was applied (a JSON
// object, keys sorted), so that the current state of a customer is its
// newest row and needs no merging at read time.
var CustomersSchema = arrow.NewSchema([]arrow.Field{
	str("user_id_type", false),
	str("user_id", false),
	str("attributes", false),
	str("fingerprint", false),
	str("import_id", false),
	str("source_file", false),
	{Name: "source_line", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// CustomersTable describes the customers table, keyed by user id type and
// user id. It is not partitioned: a customer has no date that a query
// would filter on, every read of the current state scans every key
// anyway, and one folder of a few files per import beats thousands of
// tiny partitions keyed by a hash.
var CustomersTable = &Table{
	Name:       Customers,
	Schema:     CustomersSchema,
	Key:        []string{"user_id_type", "user_id"},
	Dictionary: []string{"user_id_type", "import_id", "source_file"},
}
