package ingot

import (
	"slices"

	"ingot/formats"
	"ingot/kinds"
	"ingot/kinds/customers"
	"ingot/kinds/events"
	"ingot/kinds/orders"
	"ingot/kinds/products"
)

// The registry: every kind and every format ingot imports, as explicit
// lists (no init() magic). The CLI's --format help and completions, the
// options' validation and the tests that run for every format all come
// from here. Adding a format is one file in formats/ plus one line in
// registeredFormats; adding a kind is one package in kinds/ plus one line
// in registeredKinds.
var (
	registeredKinds = []kinds.Kind{
		orders.Kind,
		customers.Kind,
		products.Kind,
		events.Kind,
	}
	registeredFormats = []*formats.Format{
		formats.KevelCSV,
		formats.ShopifyCSV,
		formats.CustomersCSV, formats.CustomersJSONL, formats.CustomersJSON,
		formats.ProductsCSV, formats.ProductsJSONL, formats.ProductsJSON,
		formats.CrossEngageJSON, formats.RelatedDigital, formats.EventsJSONL,
	}
)

// KindNames returns the names of the registered kinds.
func KindNames() []string {
	var out []string
	for _, k := range registeredKinds {
		out = append(out, k.Name())
	}
	return out
}

// FormatNames returns the names of the registered formats of kind, or of
// every kind when kind is "" (each name once), in registry order. Two
// kinds may have formats of the same name (customers csv, products csv).
func FormatNames(kind string) []string {
	var out []string
	for _, f := range registeredFormats {
		if (kind == "" || f.Kind == kind) && !slices.Contains(out, f.Name) {
			out = append(out, f.Name)
		}
	}
	return out
}

// Formats returns the registered formats, in registry order.
func Formats() []*formats.Format {
	return append([]*formats.Format(nil), registeredFormats...)
}

func kindByName(name string) kinds.Kind {
	for _, k := range registeredKinds {
		if k.Name() == name {
			return k
		}
	}
	return nil
}

// formatByName returns the format of kind named name; an empty name is
// the kind's first format.
func formatByName(kind, name string) *formats.Format {
	for _, f := range registeredFormats {
		if f.Kind == kind && (f.Name == name || name == "") {
			return f
		}
	}
	return nil
}
