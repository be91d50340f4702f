package spec

import (
	"bytes"
	"cmp"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"ingot/transform"
)

// WithDefaults returns the import with every field a spec may leave out
// filled with the value ingot uses: format kevel-csv for orders and auto
// otherwise, dest ./warehouse, encoding auto, CSV "," with `"` quotes and
// a header, merge strategy merge (customers, products), order id Name
// (Shopify), user_id {column: userId, type: email} (customers), key productId (products), on_ragged reject, on_new_columns
// ignore. Limits left at zero stay out: their defaults belong to the
// readers (package ingot fills them in before printing).
func (im Import) WithDefaults() Import {
	if im.Format == "" {
		im.Format = "auto"
		if im.Kind == "orders" {
			im.Format = "kevel-csv"
		}
	}
	if im.Dest == "" {
		im.Dest = "./warehouse"
	}
	if im.Source.Encoding == "" {
		im.Source.Encoding = "auto"
	}
	if im.Source.CSV.Delimiter == "" {
		im.Source.CSV.Delimiter = ","
	}
	if im.Source.CSV.Quote == "" {
		im.Source.CSV.Quote = `"`
	}
	if im.Source.CSV.Header == nil {
		t := true
		im.Source.CSV.Header = &t
	}
	if im.Merge == "" && (im.Kind == "customers" || im.Kind == "products") {
		im.Merge = "merge"
	}
	if im.Kind == "customers" {
		u := UserID{Column: "userId", Type: "email", Hash: im.HashEmails}
		if im.UserID != nil {
			u = *im.UserID
		}
		u.Column = cmp.Or(u.Column, "userId")
		u.Type = cmp.Or(u.Type, "email")
		im.UserID = &u
	}
	if im.Key == "" && im.Kind == "products" {
		im.Key = "productId"
	}
	if im.OrderID == "" && im.Format == "shopify-csv" {
		im.OrderID = "Name"
	}
	if im.OnRagged == "" {
		im.OnRagged = "reject"
	}
	if im.OnNewColumns == "" {
		im.OnNewColumns = "ignore"
	}
	return im
}

// Masked is what Resolved prints in place of a secret.
const Masked = "****"

// Resolved renders the spec as YAML with every import's defaults filled
// in (WithDefaults) and its secrets masked: the values of environment
// variables whose names say they hold credentials (…_PASSWORD, …_TOKEN,
// …_SECRET, …_KEY), passwords in URIs, and signature or token query
// parameters. Apply flag overrides to the Spec before calling it to show
// what a run will use.
func (s *Spec) Resolved() ([]byte, error) {
	root := mapNode()
	if s.Schedule != "" {
		addStr(root, "schedule", s.Schedule)
	}
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, im := range s.Imports {
		list.Content = append(list.Content, importNode(im.WithDefaults()))
	}
	add(root, "imports", list)
	s.mask(root)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// mask replaces secrets in every scalar under n.
func (s *Spec) mask(n *yaml.Node) {
	for _, c := range n.Content {
		s.mask(c)
	}
	if n.Kind != yaml.ScalarNode {
		return
	}
	v := maskURL(n.Value)
	for _, sec := range s.secrets {
		v = strings.ReplaceAll(v, sec, Masked)
	}
	n.Value = v
}

var secretParams = []string{"password", "passwd", "secret", "token", "key", "sig", "signature", "credential", "auth"}

// maskURL masks the password of a URL's user info and the values of query
// parameters whose names suggest a credential.
func maskURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	changed := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), Masked)
		changed = true
	}
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		for _, w := range secretParams {
			if strings.Contains(lk, w) {
				q.Set(k, Masked)
				changed = true
				break
			}
		}
	}
	if !changed {
		return s
	}
	u.RawQuery = q.Encode()
	return strings.NewReplacer("%2A", "*", "%2a", "*").Replace(u.String())
}

func mapNode() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

func strNode(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func addStr(m *yaml.Node, key, v string) { add(m, key, strNode(v)) }

func addBool(m *yaml.Node, key string, v bool) {
	s := "false"
	if v {
		s = "true"
	}
	add(m, key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: s})
}

func valueNode(v transform.Value) *yaml.Node {
	switch v.Type {
	case transform.TypeNumber:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: v.Text}
	case transform.TypeBool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v.Text}
	case transform.TypeNull:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return strNode(v.Text)
}

func valueMapNode(m *transform.ValueMap) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for _, e := range m.Entries {
		n.Content = append(n.Content, valueNode(e.From), valueNode(e.To))
	}
	return n
}

func importNode(im Import) *yaml.Node {
	m := mapNode()
	addStr(m, "kind", im.Kind)
	addStr(m, "format", im.Format)
	src := mapNode()
	if len(im.Source.URIs) == 1 {
		addStr(src, "uri", im.Source.URIs[0])
	} else if len(im.Source.URIs) > 1 {
		l := &yaml.Node{Kind: yaml.SequenceNode}
		for _, u := range im.Source.URIs {
			l.Content = append(l.Content, strNode(u))
		}
		add(src, "uri", l)
	}
	addStr(src, "encoding", im.Source.Encoding)
	if strings.Contains(im.Format, "csv") || im.Format == "auto" || im.Format == "related-digital" {
		csv := mapNode()
		csv.Style = yaml.FlowStyle
		addStr(csv, "delimiter", im.Source.CSV.Delimiter)
		addStr(csv, "quote", im.Source.CSV.Quote)
		addBool(csv, "header", *im.Source.CSV.Header)
		add(src, "csv", csv)
	}
	add(m, "source", src)
	addStr(m, "dest", im.Dest)
	if im.UserID != nil {
		u := mapNode()
		u.Style = yaml.FlowStyle
		addStr(u, "column", im.UserID.Column)
		if im.UserID.Type != "" {
			addStr(u, "type", im.UserID.Type)
		}
		addBool(u, "hash", im.UserID.Hash)
		add(m, "user_id", u)
	}
	if im.OrderID != "" {
		addStr(m, "order_id", im.OrderID)
	}
	if im.Key != "" {
		addStr(m, "key", im.Key)
	}
	if im.Merge != "" {
		addStr(m, "merge", im.Merge)
	}
	addBool(m, "hash_emails", im.HashEmails)
	if len(im.Transforms) > 0 {
		l := &yaml.Node{Kind: yaml.SequenceNode}
		for _, st := range im.Transforms {
			l.Content = append(l.Content, stepNode(st))
		}
		add(m, "transforms", l)
	}
	if len(im.Mapping) > 0 {
		add(m, "mapping", MappingNode(im.Mapping))
	}
	addBool(m, "dry_run", im.DryRun)
	if im.ReportDir != "" {
		addStr(m, "report_dir", im.ReportDir)
	}
	if im.MaxRejected != "" {
		addStr(m, "max_rejected", im.MaxRejected)
	}
	addStr(m, "on_ragged", im.OnRagged)
	addStr(m, "on_new_columns", im.OnNewColumns)
	if im.AllowChangedOptions {
		addBool(m, "allow_changed_options", true)
	}
	if im.MoveProcessed {
		addBool(m, "move_processed", true)
	}
	for _, kv := range []struct {
		key string
		v   int64
	}{
		{"max_record_bytes", int64(im.MaxRecordBytes)}, {"max_field_bytes", int64(im.MaxFieldBytes)},
		{"max_columns", int64(im.MaxColumns)}, {"max_decompressed_bytes", im.MaxDecompressedBytes},
		{"max_decompression_ratio", im.MaxDecompressionRatio}, {"max_line_items", int64(im.MaxLineItems)}, {"batch_rows", int64(im.BatchRows)}, {"workers", int64(im.Workers)},
	} {
		if kv.v != 0 {
			add(m, kv.key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(kv.v, 10)})
		}
	}
	if im.S3PathStyle {
		addBool(m, "s3_path_style", true)
	}
	if im.SFTPKey != "" {
		addStr(m, "sftp_key", im.SFTPKey)
	}
	if im.KnownHosts != "" {
		addStr(m, "known_hosts", im.KnownHosts)
	}
	return m
}

func stepNode(st transform.Step) *yaml.Node {
	args := mapNode()
	args.Style = yaml.FlowStyle
	switch st.Op {
	case transform.OpRename, transform.OpCopy:
		addStr(args, "from", st.Field)
		addStr(args, "to", st.To)
		if st.Map != nil {
			add(args, "map", valueMapNode(st.Map))
		}
	case transform.OpNew:
		addStr(args, "field", st.Field)
		add(args, "value", valueNode(st.Value))
	case transform.OpDelete:
		addStr(args, "field", st.Field)
	case transform.OpMap:
		addStr(args, "field", st.Field)
		add(args, "values", valueMapNode(st.Map))
	case transform.OpTimestamp:
		addStr(args, "field", st.Field)
		addStr(args, "pattern", st.Pattern)
		if st.Zone != "" {
			addStr(args, "zone", st.Zone)
		}
	case transform.OpCast:
		addStr(args, "field", st.Field)
		addStr(args, "to", st.Cast.String())
	case transform.OpDerive:
		addStr(args, "field", st.Field)
		addStr(args, "expr", st.Expr)
	}
	m := mapNode()
	add(m, st.Op.String(), args)
	return m
}

// MappingNode renders a mapping as a YAML (or, through JSON, a JSON)
// list of attributes, in the spec's own form.
func MappingNode(attrs []Attribute) *yaml.Node {
	l := &yaml.Node{Kind: yaml.SequenceNode}
	for _, a := range attrs {
		m := mapNode()
		m.Style = yaml.FlowStyle
		addStr(m, "attribute", a.Attribute)
		addStr(m, "header", a.Header)
		addStr(m, "type", a.Type.String())
		if a.Mandatory {
			addBool(m, "mandatory", true)
		}
		if a.Fallback != "" {
			addStr(m, "fallback", a.Fallback)
		}
		if a.IgnoreOnUpdate {
			addBool(m, "ignore_on_update", true)
		}
		if a.Values != nil {
			add(m, "values", valueMapNode(a.Values))
		}
		if len(a.Allowed) > 0 {
			al := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, v := range a.Allowed {
				al.Content = append(al.Content, strNode(v))
			}
			add(m, "allowed", al)
		}
		l.Content = append(l.Content, m)
	}
	return l
}
