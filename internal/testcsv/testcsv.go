// Package testcsv generates Kevel-like CSV for the benchmarks of the
// readers (sources, decompression, charsets), which live in different
// packages but should measure the same input.
package testcsv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
)

// Orders generates about size bytes of Kevel-like order rows, as
// compressible as real exports (about 4:1 with gzip).
func Orders(size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []string{"placed", "paid", "fulfilled", "refunded", "cancelled"}
	names := []string{"Hemd, kurzärmelig", "Straße Socken", "日本茶", `Der ""beste"" Becher`, "Blue Jeans", "Sneaker"}
	var b bytes.Buffer
	b.Grow(size + 512)
	b.WriteString("orderId,userIdType,userId,currency,total,subtotal,tax,shipping,discount,refund,createdAt,lineItem_productId,lineItem_sku,lineItem_name,lineItem_quantity,lineItem_status\n")
	for order := 0; b.Len() < size; order++ {
		user := rng.IntN(200000)
		items := 1 + rng.IntN(4)
		for i := 0; i < items; i++ {
			total := rng.IntN(50000)
			if i == 0 {
				fmt.Fprintf(&b, "o-%d,email,user%d@example.com,EUR,%d.%02d,%d.%02d,%d.%02d,4.90,0,0,2021-%02d-%02dT%02d:%02d:%02d+0100,",
					order, user, total/100, total%100, total*84/10000, total*84/100%100, total*16/10000, total*16/100%100,
					1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60))
			} else {
				fmt.Fprintf(&b, "o-%d,,,,,,,,,,,", order)
			}
			p := rng.IntN(5000)
			fmt.Fprintf(&b, "p-%d,SKU-%05d,\"%s\",%d,%s\n", p, p, names[rng.IntN(len(names))], 1+rng.IntN(3), statuses[rng.IntN(len(statuses))])
		}
	}
	return b.Bytes()
}
