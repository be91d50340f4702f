package formats

import "ingot/schema"

// ShopifyFinancialStatuses are the allowed values of Shopify's Financial
// Status column.
var ShopifyFinancialStatuses = []string{"authorized", "paid", "partially_paid", "pending", "refunded", "partially_refunded", "voided"}

// ShopifyFulfillmentStatuses are the allowed values of Shopify's Lineitem
// fulfillment status column.
var ShopifyFulfillmentStatuses = []string{"pending", "partial", "restocked", "fulfilled"}

// ShopifyCSV is Shopify's "Export orders" CSV (design section 2): one row
// per line item, the rows of an order consecutive. Columns are matched by
// name, so every export version (the 71-, 75- and 79-column ones) reads
// alike; columns not listed here (addresses, Vendor, Tags, Tax 1 Name, …)
// are ignored and named in the report's ignored_columns.
//
// The order id is Name (#1001; default) or Id (WithKey("Id"), the
// --order-id flag). Name, Email and Created at are repeated on
// continuation rows; Id, Currency, Financial Status and the order totals
// are on an order's first row only, and the line items take Currency and
// Financial Status from there (Inherit, With). Dates are
// "2021-03-04 10:11:12 +0100". Email is the user id, of type email (hashed
// with --hash-emails, as for Kevel).
//
// How Shopify's figures fill the orders and line_items tables:
//
//   - orders: total = Total, subtotal = Subtotal, tax = Taxes, shipping =
//     Shipping, discount = Discount Amount, refund = Refunded Amount, as
//     exported. Stores whose prices include tax export Total = Subtotal +
//     Shipping, so their orders carry a total_mismatch warning (total ≠
//     subtotal + tax + shipping): the figures are kept as Shopify states
//     them rather than recomputed. Subtotal, Shipping, Taxes and Total are
//     required on an order's first row because the orders table's money
//     columns are not nullable; every known export version has them.
//   - line_items: subtotal = total = Lineitem price × Lineitem quantity −
//     Lineitem discount (price is a unit price; exact, DECIMAL(18,4));
//     discount = Lineitem discount; tax, shipping and refund = 0 (Shopify
//     reports them per order only); currency = the order's Currency;
//     product_id and sku = Lineitem sku (the export has no product id);
//     name = Lineitem name; quantity = Lineitem quantity.
//   - line_items.status, from Lineitem fulfillment status and the order's
//     Financial Status (ShopifyLineStatus): voided → cancelled; refunded →
//     refunded; restocked → refunded when the order is (partially)
//     refunded, else cancelled; fulfilled → fulfilled; otherwise (pending,
//     partial) paid when the order is paid or partially_refunded, placed
//     when it is pending, authorized or partially_paid.
//   - payment_method = Payment Method, shipping_method = Shipping Method,
//     shipping_country = Shipping Country, source = Source, promotions =
//     Discount Code, created_at = Created at; Paid at and Fulfilled at
//     are checked as dates but not stored (the tables have no column for
//     them).
//
// An empty Lineitem sku is a missing-value error that rejects its order,
// as for Kevel's lineItem_sku: the tables need a product id.
var ShopifyCSV = &Format{
	Name:       "shopify-csv",
	Title:      "Shopify orders export",
	Kind:       "orders",
	Shape:      CSV,
	KeyChoices: []string{"Name", "Id"},
	Fields: []Field{
		{Name: "Name", Column: "order_id", Table: schema.Orders, Type: Key, Required: true},
		{Name: "Id", Table: schema.Orders, Type: Text, Required: true},
		{Const: "email", Column: "user_id_type", Table: schema.Orders, Type: UserIDType},
		{Name: "Email", Column: "user_id", Table: schema.Orders, Type: UserIDValue, Required: true},
		{Name: "Currency", Column: "currency", Table: schema.Orders, Type: CurrencyCode, Required: true},
		{Name: "Total", Column: "total", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "Subtotal", Column: "subtotal", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "Taxes", Column: "tax", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "Shipping", Column: "shipping", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "Discount Amount", Column: "discount", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "Refunded Amount", Column: "refund", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "Payment Method", Column: "payment_method", Table: schema.Orders, Type: Text},
		{Name: "Shipping Method", Column: "shipping_method", Table: schema.Orders, Type: Text},
		{Name: "Shipping Country", Column: "shipping_country", Table: schema.Orders, Type: Text},
		{Name: "Source", Column: "source", Table: schema.Orders, Type: Text},
		{Name: "Discount Code", Column: "promotions", Table: schema.Orders, Type: List},
		{Name: "Financial Status", Table: schema.Orders, Type: Enum, Required: true, Allowed: ShopifyFinancialStatuses},
		{Name: "Created at", Column: "created_at", Table: schema.Orders, Type: Timestamp, Required: true},
		{Name: "Paid at", Table: schema.Orders, Type: Timestamp},
		{Name: "Fulfilled at", Table: schema.Orders, Type: Timestamp},
		{Name: "Lineitem sku", Column: "product_id", Table: schema.LineItems, Type: Text, Required: true},
		{Name: "Lineitem sku", Column: "sku", Table: schema.LineItems, Type: Text, Required: true},
		{Name: "Lineitem name", Column: "name", Table: schema.LineItems, Type: Text, Required: true},
		{Name: "Currency", Column: "currency", Table: schema.LineItems, Type: CurrencyCode, Inherit: true},
		{Name: "Lineitem price", Column: "total", Table: schema.LineItems, Type: Decimal, Required: true, Times: "Lineitem quantity", Less: "Lineitem discount"},
		{Name: "Lineitem price", Column: "subtotal", Table: schema.LineItems, Type: Decimal, Required: true, Times: "Lineitem quantity", Less: "Lineitem discount"},
		{Const: "0", Column: "tax", Table: schema.LineItems, Type: Decimal},
		{Const: "0", Column: "shipping", Table: schema.LineItems, Type: Decimal},
		{Name: "Lineitem discount", Column: "discount", Table: schema.LineItems, Type: Decimal, Required: true},
		{Const: "0", Column: "refund", Table: schema.LineItems, Type: Decimal},
		{Name: "Lineitem quantity", Column: "quantity", Table: schema.LineItems, Type: Integer, Required: true},
		{Name: "Lineitem fulfillment status", Column: "status", Table: schema.LineItems, Type: Enum, Required: true,
			Allowed: ShopifyFulfillmentStatuses, Map: ShopifyLineStatus, With: "Financial Status"},
	},
}

// ShopifyLineStatus maps a line item's fulfillment status and its order's
// financial status (both lower case) to the line_items status (placed,
// paid, fulfilled, refunded, cancelled); see ShopifyCSV.
func ShopifyLineStatus(fulfillment, financial string) string {
	switch {
	case financial == "voided":
		return "cancelled"
	case financial == "refunded":
		return "refunded"
	case fulfillment == "restocked":
		if financial == "partially_refunded" {
			return "refunded"
		}
		return "cancelled"
	case fulfillment == "fulfilled":
		return "fulfilled"
	case financial == "paid" || financial == "partially_refunded":
		return "paid"
	}
	return "placed"
}
