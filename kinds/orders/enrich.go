package orders

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"

	"ingot/columnar"
	"ingot/kinds"
	"ingot/schema"
)

// productLookup is what the orders kind asks the pipeline for: the
// attributes of the committed products, by product_id.
var productLookup = kinds.LookupSpec{Table: schema.Products, Key: []string{"product_id"}, Value: "attributes"}

// Lookups asks for the committed products, to enrich line items.
func (kind) Lookups(kinds.RecordOptions) []kinds.LookupSpec {
	return []kinds.LookupSpec{productLookup}
}

// enricher adds to a line item's event payload the attributes of its
// product (from the committed products) that the item does not have: an
// order row without a brand gets the product's brand, one with a brand
// keeps its own. Only events and samples are enriched; the committed
// line_items and the fingerprints are the order's own, so that a product
// update does not make every order look changed.
type enricher struct {
	products kinds.Lookup
	parsed   map[string][]member // product id → its attributes, parsed once
}

// member is one attribute of a product: `"key":` and the value's JSON.
type member struct {
	key, value []byte
}

func newEnricher(products kinds.Lookup) *enricher {
	if len(products) == 0 {
		return nil
	}
	return &enricher{products: products, parsed: map[string][]member{}}
}

// appendItem appends to dst (an item's members, written from start) the
// product attributes the item lacks.
func (e *enricher) appendItem(dst []byte, start int, productID []byte) []byte {
	if e == nil || len(productID) == 0 {
		return dst
	}
	ms, ok := e.parsed[string(productID)]
	if !ok {
		ms = e.parse(string(productID))
	}
	for _, m := range ms {
		// The item's members are flat and their strings escaped, so a
		// `"key":` in them is a member, never part of a value.
		if bytes.Contains(dst[start:], m.key) {
			continue
		}
		if len(dst) > start {
			dst = append(dst, ',')
		}
		dst = append(dst, m.key...)
		dst = append(dst, m.value...)
	}
	return dst
}

func (e *enricher) parse(id string) []member {
	var ms []member
	if attrs, ok := e.products[id]; ok {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(attrs), &m) == nil {
			for k, v := range m {
				key := append(columnar.AppendJSONString(nil, []byte(k)), ':')
				ms = append(ms, member{key: key, value: v})
			}
			slices.SortFunc(ms, func(a, b member) int { return bytes.Compare(a.key, b.key) })
		}
	}
	e.parsed[id] = ms
	return ms
}

// productID returns the product id of row i's line item.
func (o *Rows) productID(i int) []byte {
	a, ok := o.Items.Column(itemProductIDCol).(*array.String)
	if !ok || a.IsNull(i) {
		return nil
	}
	return columnar.StringsOf(a).At(i)
}

// itemProductIDCol is product_id's index in ItemColumns.
var itemProductIDCol = ItemColumns.FieldIndices("product_id")[0]
