// Package htmltest holds the DOM helpers the tests of ingot's HTML pages
// share (report.html, ingot serve): parse a page with golang.org/x/net/html
// and find elements by tag or id, their attributes and their text. It is
// for tests only.
package htmltest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// Parse parses an HTML document, failing the test when it cannot.
func Parse(t testing.TB, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	require.NoError(t, err)
	return doc
}

// Walk calls f on n and every node below it, in document order.
func Walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		Walk(c, f)
	}
}

// Attr returns the value of n's attribute key, or "".
func Attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// Elements returns the elements named tag at or below root, in document
// order.
func Elements(root *html.Node, tag string) []*html.Node {
	var out []*html.Node
	Walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
	})
	return out
}

// ByID returns the first element whose id is id, failing the test when
// there is none.
func ByID(t testing.TB, root *html.Node, id string) *html.Node {
	t.Helper()
	var found *html.Node
	Walk(root, func(n *html.Node) {
		if found == nil && n.Type == html.ElementNode && Attr(n, "id") == id {
			found = n
		}
	})
	require.NotNil(t, found, "element #%s", id)
	return found
}

// Text returns the text below n, as it stands in the document.
func Text(n *html.Node) string {
	var b strings.Builder
	Walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}
