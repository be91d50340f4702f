package formats

import "ingot/schema"

// KevelStatuses are the allowed line-item statuses of Kevel CSV orders.
var KevelStatuses = []string{"placed", "paid", "fulfilled", "refunded", "cancelled"}

// KevelCSV is the Kevel CSV order format (design section 2): one row per
// line item, the rows of an order consecutive, order fields on the first
// row. Header names are case-sensitive. Every field fills the column of
// the same meaning in the orders (order fields) or line_items table.
var KevelCSV = &Format{
	Name:  "kevel-csv",
	Title: "Kevel CSV orders file",
	Kind:  "orders",
	Shape: CSV,
	Fields: []Field{
		{Name: "orderId", Column: "order_id", Table: schema.Orders, Type: Key, Required: true},
		{Name: "userIdType", Column: "user_id_type", Table: schema.Orders, Type: UserIDType, Required: true},
		{Name: "userId", Column: "user_id", Table: schema.Orders, Type: UserIDValue, Required: true},
		{Name: "currency", Column: "currency", Table: schema.Orders, Type: CurrencyCode, Required: true},
		{Name: "total", Column: "total", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "subtotal", Column: "subtotal", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "tax", Column: "tax", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "shipping", Column: "shipping", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "discount", Column: "discount", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "refund", Column: "refund", Table: schema.Orders, Type: Decimal, Required: true},
		{Name: "paymentMethod", Column: "payment_method", Table: schema.Orders, Type: Text},
		{Name: "shippingMethod", Column: "shipping_method", Table: schema.Orders, Type: Text},
		{Name: "shippingCountry", Column: "shipping_country", Table: schema.Orders, Type: Text},
		{Name: "source", Column: "source", Table: schema.Orders, Type: Text},
		{Name: "promotions", Column: "promotions", Table: schema.Orders, Type: List},
		{Name: "createdAt", Column: "created_at", Table: schema.Orders, Type: Timestamp, Required: true},
		{Name: "lastUpdated", Column: "last_updated", Table: schema.Orders, Type: Timestamp},
		{Name: "lineItem_id", Column: "line_item_id", Table: schema.LineItems, Type: Text},
		{Name: "lineItem_productId", Column: "product_id", Table: schema.LineItems, Type: Text, Required: true},
		{Name: "lineItem_itemGroupId", Column: "item_group_id", Table: schema.LineItems, Type: Text},
		{Name: "lineItem_name", Column: "name", Table: schema.LineItems, Type: Text},
		{Name: "lineItem_sku", Column: "sku", Table: schema.LineItems, Type: Text, Required: true},
		{Name: "lineItem_brand", Column: "brand", Table: schema.LineItems, Type: Text},
		{Name: "lineItem_category", Column: "category", Table: schema.LineItems, Type: Text},
		{Name: "lineItem_categories", Column: "categories", Table: schema.LineItems, Type: List},
		{Name: "lineItem_currency", Column: "currency", Table: schema.LineItems, Type: CurrencyCode, Required: true},
		{Name: "lineItem_total", Column: "total", Table: schema.LineItems, Type: Decimal, Required: true},
		{Name: "lineItem_subtotal", Column: "subtotal", Table: schema.LineItems, Type: Decimal, Required: true},
		{Name: "lineItem_tax", Column: "tax", Table: schema.LineItems, Type: Decimal, Required: true},
		{Name: "lineItem_shipping", Column: "shipping", Table: schema.LineItems, Type: Decimal, Required: true},
		{Name: "lineItem_discount", Column: "discount", Table: schema.LineItems, Type: Decimal, Required: true},
		{Name: "lineItem_refund", Column: "refund", Table: schema.LineItems, Type: Decimal, Required: true},
		{Name: "lineItem_quantity", Column: "quantity", Table: schema.LineItems, Type: Integer, Required: true},
		{Name: "lineItem_promotions", Column: "promotions", Table: schema.LineItems, Type: List},
		{Name: "lineItem_adult", Column: "adult", Table: schema.LineItems, Type: Boolean},
		{Name: "lineItem_subscriptionDuration", Column: "subscription_duration", Table: schema.LineItems, Type: Integer},
		{Name: "lineItem_size", Column: "size", Table: schema.LineItems, Type: Text},
		{Name: "lineItem_sizeSystem", Column: "size_system", Table: schema.LineItems, Type: Text},
		{Name: "lineItem_status", Column: "status", Table: schema.LineItems, Type: Enum, Required: true, Allowed: KevelStatuses},
	},
}
