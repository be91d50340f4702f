// Package products is the products kind: one record per productId, its
// every other column an attribute (name, brand, category, price, …),
// merged into the committed product (--merge merge, the default) or
// replacing it (overwrite). productAdd and productUpdate events carry
// only what changed. The committed attributes are what the orders kind
// reads back to enrich line items (kinds.Lookuper), so the two kinds meet
// only in the committed table.
//
// It does not read files and does not import other kinds; the work is
// shared with customers in kinds/internal/keyed.
package products
