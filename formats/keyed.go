package formats

import "ingot/schema"

// The formats of customers and products: generic CSV, JSON Lines and JSON
// (an array of objects). Their records are a key and attributes: the key
// column is named by flags (customers: --user-id, default userId) or is
// productId (products); every other column is an attribute, kept with its
// name — CSV values as text, JSON values with their types. So the field
// tables name only the key; a column they do not list is an attribute,
// never an unknown column.
var (
	CustomersCSV   = &Format{Name: "csv", Kind: schema.Customers, Shape: CSV}
	CustomersJSONL = &Format{Name: "jsonl", Kind: schema.Customers, Shape: JSONLines}
	CustomersJSON  = &Format{Name: "json", Kind: schema.Customers, Shape: JSONDocument}

	ProductsCSV   = &Format{Name: "csv", Kind: schema.Products, Shape: CSV, Fields: productFields}
	ProductsJSONL = &Format{Name: "jsonl", Kind: schema.Products, Shape: JSONLines, Fields: productFields}
	ProductsJSON  = &Format{Name: "json", Kind: schema.Products, Shape: JSONDocument, Fields: productFields}
)

// ProductIDField is the key of a product record.
const ProductIDField = "productId"

var productFields = []Field{
	{Name: ProductIDField, Table: schema.Products, Column: "product_id", Type: Text, Required: true},
}
