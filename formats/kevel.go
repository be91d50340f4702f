package formats

import "ingot/validate"

// Statuses are the allowed line-item statuses of Kevel CSV orders.
var Statuses = []string{"placed", "paid", "fulfilled", "refunded", "cancelled"}

// KevelCSV is the Kevel CSV order format (design section 2): one row per
// line item, the rows of an order consecutive, order fields on the first
// row. Header names are case-sensitive.
var KevelCSV = &validate.OrderFormat{
	Name: "kevel-csv",
	Fields: []validate.OrderField{
		{Name: "orderId", Column: "order_id", Level: validate.OrderLevel, Kind: validate.Key, Required: true},
		{Name: "userIdType", Column: "user_id_type", Level: validate.OrderLevel, Kind: validate.UserIDType, Required: true},
		{Name: "userId", Column: "user_id", Level: validate.OrderLevel, Kind: validate.UserIDValue, Required: true},
		{Name: "currency", Column: "currency", Level: validate.OrderLevel, Kind: validate.CurrencyCode, Required: true},
		{Name: "total", Column: "total", Level: validate.OrderLevel, Kind: validate.Decimal, Required: true},
		{Name: "subtotal", Column: "subtotal", Level: validate.OrderLevel, Kind: validate.Decimal, Required: true},
		{Name: "tax", Column: "tax", Level: validate.OrderLevel, Kind: validate.Decimal, Required: true},
		{Name: "shipping", Column: "shipping", Level: validate.OrderLevel, Kind: validate.Decimal, Required: true},
		{Name: "discount", Column: "discount", Level: validate.OrderLevel, Kind: validate.Decimal, Required: true},
		{Name: "refund", Column: "refund", Level: validate.OrderLevel, Kind: validate.Decimal, Required: true},
		{Name: "paymentMethod", Column: "payment_method", Level: validate.OrderLevel, Kind: validate.Text},
		{Name: "shippingMethod", Column: "shipping_method", Level: validate.OrderLevel, Kind: validate.Text},
		{Name: "shippingCountry", Column: "shipping_country", Level: validate.OrderLevel, Kind: validate.Text},
		{Name: "source", Column: "source", Level: validate.OrderLevel, Kind: validate.Text},
		{Name: "promotions", Column: "promotions", Level: validate.OrderLevel, Kind: validate.List},
		{Name: "createdAt", Column: "created_at", Level: validate.OrderLevel, Kind: validate.Timestamp, Required: true},
		{Name: "lastUpdated", Column: "last_updated", Level: validate.OrderLevel, Kind: validate.Timestamp},
		{Name: "lineItem_id", Column: "line_item_id", Level: validate.ItemLevel, Kind: validate.Text},
		{Name: "lineItem_productId", Column: "product_id", Level: validate.ItemLevel, Kind: validate.Text, Required: true},
		{Name: "lineItem_itemGroupId", Column: "item_group_id", Level: validate.ItemLevel, Kind: validate.Text},
		{Name: "lineItem_name", Column: "name", Level: validate.ItemLevel, Kind: validate.Text},
		{Name: "lineItem_sku", Column: "sku", Level: validate.ItemLevel, Kind: validate.Text, Required: true},
		{Name: "lineItem_brand", Column: "brand", Level: validate.ItemLevel, Kind: validate.Text},
		{Name: "lineItem_category", Column: "category", Level: validate.ItemLevel, Kind: validate.Text},
		{Name: "lineItem_categories", Column: "categories", Level: validate.ItemLevel, Kind: validate.List},
		{Name: "lineItem_currency", Column: "currency", Level: validate.ItemLevel, Kind: validate.CurrencyCode, Required: true},
		{Name: "lineItem_total", Column: "total", Level: validate.ItemLevel, Kind: validate.Decimal, Required: true},
		{Name: "lineItem_subtotal", Column: "subtotal", Level: validate.ItemLevel, Kind: validate.Decimal, Required: true},
		{Name: "lineItem_tax", Column: "tax", Level: validate.ItemLevel, Kind: validate.Decimal, Required: true},
		{Name: "lineItem_shipping", Column: "shipping", Level: validate.ItemLevel, Kind: validate.Decimal, Required: true},
		{Name: "lineItem_discount", Column: "discount", Level: validate.ItemLevel, Kind: validate.Decimal, Required: true},
		{Name: "lineItem_refund", Column: "refund", Level: validate.ItemLevel, Kind: validate.Decimal, Required: true},
		{Name: "lineItem_quantity", Column: "quantity", Level: validate.ItemLevel, Kind: validate.Integer, Required: true},
		{Name: "lineItem_promotions", Column: "promotions", Level: validate.ItemLevel, Kind: validate.List},
		{Name: "lineItem_adult", Column: "adult", Level: validate.ItemLevel, Kind: validate.Boolean},
		{Name: "lineItem_subscriptionDuration", Column: "subscription_duration", Level: validate.ItemLevel, Kind: validate.Integer},
		{Name: "lineItem_size", Column: "size", Level: validate.ItemLevel, Kind: validate.Text},
		{Name: "lineItem_sizeSystem", Column: "size_system", Level: validate.ItemLevel, Kind: validate.Text},
		{Name: "lineItem_status", Column: "status", Level: validate.ItemLevel, Kind: validate.Enum, Required: true, Allowed: Statuses},
	},
}
