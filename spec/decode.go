package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"

	"ingot/transform"
)

// Options control decoding. The zero value reads the process environment
// and accepts the formats of DefaultFormats.
type Options struct {
	// Env looks up environment variables for ${VAR}; default os.LookupEnv.
	Env func(string) (string, bool)
	// Formats lists the formats of each kind; default DefaultFormats().
	Formats map[string][]string
}

// Load reads and decodes the spec at path (YAML or JSON).
func Load(path string, opt Options) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	return Parse(data, path, opt)
}

// Parse decodes a spec (YAML or JSON) read from file. Every problem found
// is reported, each with its line and column, in one *Error.
func Parse(data []byte, file string, opt Options) (*Spec, error) {
	d := newDecoder(file, opt)
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Problems: []Problem{{File: file, Msg: "the spec is empty"}}}
		}
		return nil, &Error{Problems: []Problem{yamlProblem(file, err)}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.problem(&extra, "", "expected one document, found a second (remove the ---)")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.interpolate(root)
	s := d.spec(root)
	if len(d.errs) > 0 {
		return nil, &Error{Problems: d.errs}
	}
	s.File = file
	s.secrets = d.secrets
	return s, nil
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlProblem turns a YAML syntax error into a Problem with its line.
func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{File: file, Line: line, Column: 1, Msg: "YAML syntax: " + m[2]}
	}
	return Problem{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

type decoder struct {
	file    string
	env     func(string) (string, bool)
	formats map[string][]string
	errs    []Problem
	secrets []string
}

func newDecoder(file string, opt Options) *decoder {
	d := &decoder{file: file, env: opt.Env, formats: opt.Formats}
	if d.env == nil {
		d.env = os.LookupEnv
	}
	if d.formats == nil {
		d.formats = DefaultFormats()
	}
	return d
}

func (d *decoder) problem(n *yaml.Node, path, format string, args ...any) {
	p := Problem{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, p)
}

// interpolate replaces ${VAR} in every scalar value (not in keys). A
// plain (unquoted) scalar is retyped from its new text, so ${N} may be a
// number or a bool.
func (d *decoder) interpolate(n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			d.interpolate(n.Content[i])
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			d.interpolate(c)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		v, err := interpolate(n.Value, d.env, func(name, value string) {
			if secretName(name) && value != "" {
				d.secrets = append(d.secrets, value)
			}
		})
		if err != nil {
			d.problem(n, "", "%v", err)
			return
		}
		n.Value = v
		if n.Style == 0 && n.Tag == "!!str" {
			n.Tag = ""
			n.Tag = n.ShortTag()
		}
	}
}

// fields decodes the members of one mapping.
type fields map[string]func(n *yaml.Node, path string)

// object decodes mapping n member by member; an unknown key is a problem
// listing the known ones.
func (d *decoder) object(n *yaml.Node, path string, f fields) bool {
	if n.Kind != yaml.MappingNode {
		d.problem(n, path, "expected a mapping (key: value), found %s", describe(n))
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		fn, ok := f[k.Value]
		if !ok {
			d.problem(k, join(path, k.Value), "unknown key %q (expected one of: %s)", k.Value, keyList(f))
			continue
		}
		fn(v, join(path, k.Value))
	}
	return true
}

func keyList(f fields) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describe says what a node is, for "found ..." in messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing (null)"
	case "!!bool":
		return "a boolean (" + n.Value + ")"
	case "!!int", "!!float":
		return "a number (" + n.Value + ")"
	}
	return fmt.Sprintf("the string %q", n.Value)
}

func (d *decoder) str(n *yaml.Node, path string, dst *string) bool {
	// A plain date (report_dir: 2026-04-07) is YAML's !!timestamp: text
	// for every string field here.
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" && n.ShortTag() != "!!timestamp" {
		d.problem(n, path, "expected a string, found %s", describe(n))
		return false
	}
	*dst = n.Value
	return true
}

// nonEmpty decodes a string that must not be empty.
func (d *decoder) nonEmpty(n *yaml.Node, path string, dst *string) bool {
	if !d.str(n, path, dst) {
		return false
	}
	if strings.TrimSpace(*dst) == "" {
		d.problem(n, path, "expected a non-empty string, found %q", n.Value)
		return false
	}
	return true
}

func (d *decoder) boolean(n *yaml.Node, path string, dst *bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.problem(n, path, "expected true or false, found %s", describe(n))
		return
	}
	*dst = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
}

func (d *decoder) oneOf(n *yaml.Node, path string, dst *string, allowed ...string) {
	var s string
	if !d.str(n, path, &s) {
		return
	}
	if !slices.Contains(allowed, s) {
		d.problem(n, path, "expected one of %s, found %q", strings.Join(allowed, ", "), s)
		return
	}
	*dst = s
}

// spec decodes the root: one import, or a list of imports sharing the
// root's settings.
func (d *decoder) spec(n *yaml.Node) *Spec {
	s := &Spec{}
	var top Import
	var importsNode *yaml.Node
	set := map[string]*yaml.Node{}
	f := d.importFields(&top, set)
	f["schedule"] = func(n *yaml.Node, path string) {
		if d.str(n, path, &s.Schedule) {
			if _, err := cron.ParseStandard(s.Schedule); err != nil {
				d.problem(n, path, "expected a cron schedule (5 fields such as \"0 3 * * *\", or @daily, @every 2h), found %q: %v", s.Schedule, err)
			}
		}
	}
	f["imports"] = func(n *yaml.Node, path string) { importsNode = n }
	if !d.object(n, "", f) {
		return s
	}
	top.Pos = Pos{n.Line, n.Column}
	if importsNode == nil {
		if set["kind"] == nil {
			d.problem(n, "", "expected a kind (orders, customers, products or events), or a list of imports")
			return s
		}
		d.checkImport(&top, set, "")
		s.Imports = []Import{top}
		return s
	}
	// With imports, the root holds only settings the imports share.
	for _, k := range importOnlyKeys {
		if kn := set[k]; kn != nil {
			d.problem(kn, k, "belongs in an entry of imports (the root of a spec with imports holds the settings its imports share; %s go in each entry)", strings.Join(importOnlyKeys, ", "))
		}
	}
	if importsNode.Kind != yaml.SequenceNode || len(importsNode.Content) == 0 {
		d.problem(importsNode, "imports", "expected a non-empty list of imports, found %s", describe(importsNode))
		return s
	}
	for i, in := range importsNode.Content {
		path := fmt.Sprintf("imports[%d]", i)
		im := top // the shared settings, overridden by the entry's
		im.Transforms, im.TransformPos, im.Mapping = nil, nil, nil
		eset := map[string]*yaml.Node{}
		if !d.object(in, path, d.importFields(&im, eset)) {
			continue
		}
		im.Pos = Pos{in.Line, in.Column}
		if eset["kind"] == nil {
			d.problem(in, path, "expected a kind (orders, customers, products or events)")
			continue
		}
		for k, v := range set {
			if eset[k] == nil {
				eset[k] = v
			}
		}
		d.checkImport(&im, eset, path)
		s.Imports = append(s.Imports, im)
	}
	sort.SliceStable(s.Imports, func(a, b int) bool {
		return slices.Index(kindOrder, s.Imports[a].Kind) < slices.Index(kindOrder, s.Imports[b].Kind)
	})
	return s
}

// sharedKeys are the import settings the root of a spec with imports may
// hold for all of them; importOnlyKeys belong to each import.
var (
	sharedKeys = []string{"dest", "dry_run", "report_dir", "max_rejected", "hash_emails", "on_ragged", "on_new_columns", "allow_changed_options",
		"move_processed", "max_record_bytes", "max_field_bytes", "max_columns", "max_decompressed_bytes", "max_decompression_ratio",
		"batch_rows", "workers", "s3_path_style", "sftp_key", "known_hosts"}
	importOnlyKeys = []string{"kind", "format", "source", "user_id", "order_id", "key", "merge", "transforms", "mapping"}
)

// importFields decodes the members of an import into im, recording in
// set the node of every key present.
func (d *decoder) importFields(im *Import, set map[string]*yaml.Node) fields {
	mark := func(key string, fn func(n *yaml.Node, path string)) func(n *yaml.Node, path string) {
		return func(n *yaml.Node, path string) {
			set[key] = n
			fn(n, path)
		}
	}
	return fields{
		"kind": mark("kind", func(n *yaml.Node, p string) { d.oneOf(n, p, &im.Kind, kindOrder...) }),
		"format": mark("format", func(n *yaml.Node, p string) {
			d.nonEmpty(n, p, &im.Format)
		}),
		"source":  mark("source", func(n *yaml.Node, p string) { d.source(n, p, &im.Source) }),
		"dest":    mark("dest", func(n *yaml.Node, p string) { d.nonEmpty(n, p, &im.Dest) }),
		"user_id": mark("user_id", func(n *yaml.Node, p string) { im.UserID = d.userID(n, p) }),
		"order_id": mark("order_id", func(n *yaml.Node, p string) {
			d.oneOf(n, p, &im.OrderID, "Name", "Id")
		}),
		"key":         mark("key", func(n *yaml.Node, p string) { d.nonEmpty(n, p, &im.Key) }),
		"merge":       mark("merge", func(n *yaml.Node, p string) { d.oneOf(n, p, &im.Merge, "merge", "overwrite") }),
		"hash_emails": mark("hash_emails", func(n *yaml.Node, p string) { d.boolean(n, p, &im.HashEmails) }),
		"transforms":  mark("transforms", func(n *yaml.Node, p string) { d.transforms(n, p, im) }),
		"mapping":     mark("mapping", func(n *yaml.Node, p string) { d.mapping(n, p, im) }),
		"dry_run":     mark("dry_run", func(n *yaml.Node, p string) { d.boolean(n, p, &im.DryRun) }),
		"report_dir":  mark("report_dir", func(n *yaml.Node, p string) { d.nonEmpty(n, p, &im.ReportDir) }),
		"max_rejected": mark("max_rejected", func(n *yaml.Node, p string) {
			if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
				n.Tag = "!!str"
			}
			var s string
			if d.str(n, p, &s) {
				if !validMaxRejected(s) {
					d.problem(n, p, "expected a count (100), a percentage (2.5%%) or none, found %q", s)
					return
				}
				im.MaxRejected = s
			}
		}),
		"on_ragged":      mark("on_ragged", func(n *yaml.Node, p string) { d.oneOf(n, p, &im.OnRagged, "reject", "pad", "truncate") }),
		"on_new_columns": mark("on_new_columns", func(n *yaml.Node, p string) { d.oneOf(n, p, &im.OnNewColumns, "ignore", "fail") }),
		"allow_changed_options": mark("allow_changed_options", func(n *yaml.Node, p string) {
			d.boolean(n, p, &im.AllowChangedOptions)
		}),
		"move_processed":         mark("move_processed", func(n *yaml.Node, p string) { d.boolean(n, p, &im.MoveProcessed) }),
		"max_record_bytes":       mark("max_record_bytes", func(n *yaml.Node, p string) { d.integer(n, p, 1, &im.MaxRecordBytes) }),
		"max_field_bytes":        mark("max_field_bytes", func(n *yaml.Node, p string) { d.integer(n, p, 1, &im.MaxFieldBytes) }),
		"max_columns":            mark("max_columns", func(n *yaml.Node, p string) { d.integer(n, p, 1, &im.MaxColumns) }),
		"max_decompressed_bytes": mark("max_decompressed_bytes", func(n *yaml.Node, p string) { d.integer64(n, p, 0, &im.MaxDecompressedBytes) }),
		"max_decompression_ratio": mark("max_decompression_ratio", func(n *yaml.Node, p string) {
			d.integer64(n, p, -1, &im.MaxDecompressionRatio)
		}),
		"batch_rows":    mark("batch_rows", func(n *yaml.Node, p string) { d.integer(n, p, 1, &im.BatchRows) }),
		"workers":       mark("workers", func(n *yaml.Node, p string) { d.integer(n, p, 1, &im.Workers) }),
		"s3_path_style": mark("s3_path_style", func(n *yaml.Node, p string) { d.boolean(n, p, &im.S3PathStyle) }),
		"sftp_key":      mark("sftp_key", func(n *yaml.Node, p string) { d.nonEmpty(n, p, &im.SFTPKey) }),
		"known_hosts":   mark("known_hosts", func(n *yaml.Node, p string) { d.nonEmpty(n, p, &im.KnownHosts) }),
	}
}

// integer64 decodes a whole number no smaller than min.
func (d *decoder) integer64(n *yaml.Node, path string, min int64, dst *int64) bool {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.problem(n, path, "expected a whole number, found %s", describe(n))
		return false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil || v < min {
		d.problem(n, path, "expected a whole number of at least %d, found %s", min, n.Value)
		return false
	}
	*dst = v
	return true
}

// integer decodes a whole number no smaller than min that fits an int.
func (d *decoder) integer(n *yaml.Node, path string, min int64, dst *int) {
	var v int64
	if d.integer64(n, path, min, &v) {
		if int64(int(v)) != v {
			d.problem(n, path, "expected a whole number of at most %d, found %s", math.MaxInt, n.Value)
			return
		}
		*dst = int(v)
	}
}

var maxRejectedRE = regexp.MustCompile(`^(none|[0-9]+|[0-9]+(\.[0-9]+)?%)$`)

func validMaxRejected(s string) bool {
	if !maxRejectedRE.MatchString(s) {
		return false
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		return err == nil && f <= 100
	}
	return true
}

// checkImport checks what concerns several fields of an import: the
// format against the kind, a mapping only for customers, user_id.hash
// against hash_emails.
func (d *decoder) checkImport(im *Import, set map[string]*yaml.Node, path string) {
	if fn := set["format"]; fn != nil && im.Kind != "" && im.Format != "auto" {
		if fs := d.formats[im.Kind]; !slices.Contains(fs, im.Format) {
			d.problem(fn, join(path, "format"), "expected a %s format (%s, or auto), found %q", im.Kind, strings.Join(fs, ", "), im.Format)
		}
	}
	if mn := set["mapping"]; mn != nil && im.Kind != "customers" {
		d.problem(mn, join(path, "mapping"), "a mapping is for customers imports, not %s", im.Kind)
	}
	if on := set["order_id"]; on != nil && im.Kind != "orders" {
		d.problem(on, join(path, "order_id"), "order_id is for orders imports, not %s", im.Kind)
	}
	if un := set["user_id"]; un != nil && im.Kind != "customers" {
		d.problem(un, join(path, "user_id"), "user_id is for customers imports, not %s (%s formats name their user id column)", im.Kind, im.Kind)
	}
	if kn := set["key"]; kn != nil && im.Kind != "products" {
		d.problem(kn, join(path, "key"), "key is for products imports, not %s (customers: user_id)", im.Kind)
	}
	if mn := set["merge"]; mn != nil && im.Kind != "customers" && im.Kind != "products" {
		d.problem(mn, join(path, "merge"), "merge is for customers and products imports, not %s", im.Kind)
	}
	if im.UserID != nil && im.UserID.Hash {
		if hn := set["hash_emails"]; hn != nil && !im.HashEmails {
			d.problem(hn, join(path, "hash_emails"), "false contradicts user_id.hash: true")
		}
		im.HashEmails = true
	}
}

func (d *decoder) source(n *yaml.Node, path string, s *Source) {
	d.object(n, path, d.sourceFields(s))
}

func (d *decoder) sourceFields(s *Source) fields {
	return fields{
		"uri": func(n *yaml.Node, p string) {
			switch n.Kind {
			case yaml.SequenceNode:
				if len(n.Content) == 0 {
					d.problem(n, p, "expected at least one URI, found an empty list")
				}
				for i, c := range n.Content {
					var u string
					if d.nonEmpty(c, fmt.Sprintf("%s[%d]", p, i), &u) {
						s.URIs = append(s.URIs, u)
					}
				}
			default:
				var u string
				if d.nonEmpty(n, p, &u) {
					s.URIs = []string{u}
				}
			}
		},
		"encoding": func(n *yaml.Node, p string) {
			if d.nonEmpty(n, p, &s.Encoding) && !knownEncoding(s.Encoding) {
				d.problem(n, p, "expected auto, utf-8, utf-16, windows-1252, iso-8859-15, shift_jis or another WHATWG or IANA encoding name, found %q", s.Encoding)
			}
		},
		"csv": func(n *yaml.Node, p string) { d.object(n, p, d.csvFields(&s.CSV)) },
	}
}

func (d *decoder) csvFields(c *CSV) fields {
	return fields{
		"delimiter": func(n *yaml.Node, p string) {
			if d.str(n, p, &c.Delimiter) {
				switch c.Delimiter {
				case `\t`, "tab":
					c.Delimiter = "\t"
				}
				if len(c.Delimiter) != 1 || c.Delimiter == `"` || c.Delimiter == "\n" || c.Delimiter == "\r" {
					d.problem(n, p, `expected one character other than a quote or a line break (\t for tab), found %q`, n.Value)
				}
			}
		},
		"quote": func(n *yaml.Node, p string) {
			if d.str(n, p, &c.Quote) && len(c.Quote) != 1 {
				d.problem(n, p, "expected one character, found %q", n.Value)
			}
		},
		"header": func(n *yaml.Node, p string) {
			var b bool
			d.boolean(n, p, &b)
			c.Header = &b
		},
	}
}

func knownEncoding(name string) bool {
	label := strings.ToLower(strings.TrimSpace(name))
	switch label {
	case "auto", "utf-8", "utf8", "utf-16", "utf-16le", "utf-16be":
		return true
	}
	if _, err := htmlindex.Get(label); err == nil {
		return true
	}
	enc, err := ianaindex.IANA.Encoding(label)
	return err == nil && enc != nil
}

var userIDTypeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

func (d *decoder) userID(n *yaml.Node, path string) *UserID {
	u := &UserID{}
	d.object(n, path, d.userIDFields(u))
	if n.Kind == yaml.MappingNode && u.Column == "" {
		d.problem(n, path, "expected a column")
	}
	return u
}

func (d *decoder) userIDFields(u *UserID) fields {
	return fields{
		"column": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &u.Column) },
		"type": func(n *yaml.Node, p string) {
			if d.nonEmpty(n, p, &u.Type) && !userIDTypeRE.MatchString(u.Type) {
				d.problem(n, p, "expected email, email_sha256, email_md5, phone, phone_sha256 or a custom type name (letters, digits, _ . -), found %q", u.Type)
			}
		},
		"hash": func(n *yaml.Node, p string) { d.boolean(n, p, &u.Hash) },
	}
}

// value decodes a scalar into a typed constant: quoted or plain text is a
// string, plain numbers and booleans keep their type, null is null.
func (d *decoder) value(n *yaml.Node, path string) (transform.Value, bool) {
	if n.Kind != yaml.ScalarNode {
		d.problem(n, path, "expected a single value (text, number, boolean or null), found %s", describe(n))
		return transform.Value{}, false
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return transform.Value{Type: transform.TypeNumber, Text: n.Value}, true
	case "!!bool":
		return transform.Value{Type: transform.TypeBool, Text: strings.ToLower(n.Value)}, true
	case "!!null":
		return transform.Value{Type: transform.TypeNull}, true
	}
	return transform.Value{Type: transform.TypeString, Text: n.Value}, true
}

// valueMap decodes a value map: a mapping of typed keys to typed values
// ({G: gold, 1: one}), or, where keys must keep a type a JSON object
// cannot give them, a list of pairs ([{from: 1, to: one}]).
func (d *decoder) valueMap(n *yaml.Node, path string) *transform.ValueMap {
	m := &transform.ValueMap{}
	seen := map[transform.Value]bool{}
	addEntry := func(k, v *yaml.Node, kpath, vpath string) {
		from, ok1 := d.value(k, kpath)
		to, ok2 := d.value(v, vpath)
		if !ok1 || !ok2 {
			return
		}
		if seen[from] {
			d.problem(k, kpath, "the key %v appears twice", from)
			return
		}
		seen[from] = true
		m.Entries = append(m.Entries, transform.MapEntry{From: from, To: to})
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			addEntry(k, v, path, join(path, k.Value))
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			var from, to *yaml.Node
			d.object(item, p, pairFields(&from, &to))
			if item.Kind == yaml.MappingNode && (from == nil || to == nil) {
				d.problem(item, p, "expected from and to")
				continue
			}
			if from != nil && to != nil {
				addEntry(from, to, join(p, "from"), join(p, "to"))
			}
		}
	default:
		d.problem(n, path, "expected a mapping of values (from: to) or a list of {from, to}, found %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		d.problem(n, path, "expected at least one value to map, found none")
		return nil
	}
	return m
}

// pairFields decodes one {from, to} pair of a value map.
func pairFields(from, to **yaml.Node) fields {
	return fields{
		"from": func(n *yaml.Node, _ string) { *from = n },
		"to":   func(n *yaml.Node, _ string) { *to = n },
	}
}

// transforms decodes the list of steps: each item a mapping with exactly
// one key naming the operation.
func (d *decoder) transforms(n *yaml.Node, path string, im *Import) {
	if n.Kind != yaml.SequenceNode {
		d.problem(n, path, "expected a list of transforms, found %s", describe(n))
		return
	}
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			d.problem(item, p, "expected one operation (%s: {...}), found %s", strings.Join(opKeys, ", "), describeStep(item))
			continue
		}
		k, v := item.Content[0], item.Content[1]
		dec, ok := d.stepFields()[k.Value]
		if !ok {
			d.problem(k, p, "unknown transform %q (expected one of: %s)", k.Value, strings.Join(opKeys, ", "))
			continue
		}
		st, ok := dec(v, join(p, k.Value))
		if !ok {
			continue
		}
		im.Transforms = append(im.Transforms, st)
		im.TransformPos = append(im.TransformPos, Pos{item.Line, item.Column})
	}
}

func describeStep(n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		keys := make([]string, 0, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			keys = append(keys, n.Content[i].Value)
		}
		return fmt.Sprintf("%d keys (%s)", len(keys), strings.Join(keys, ", "))
	}
	return describe(n)
}

// castNames are the spellings of cast targets a spec accepts.
var castNames = []string{"string", "integer", "float", "bool"}

var opKeys = []string{"rename", "copy", "new", "delete", "map", "timestamp", "cast", "derive"}

type stepDecoder func(n *yaml.Node, path string) (transform.Step, bool)

// stepFields returns, per operation, the decoder of its arguments.
func (d *decoder) stepFields() map[string]stepDecoder {
	return map[string]stepDecoder{
		"rename": func(n *yaml.Node, p string) (transform.Step, bool) {
			st := transform.Step{Op: transform.OpRename}
			ok := d.stepObject(n, p, d.renameFields(&st), "from", "to")
			return st, ok
		},
		"copy": func(n *yaml.Node, p string) (transform.Step, bool) {
			st := transform.Step{Op: transform.OpCopy}
			ok := d.stepObject(n, p, d.copyFields(&st), "from", "to")
			return st, ok
		},
		"new": func(n *yaml.Node, p string) (transform.Step, bool) {
			st := transform.Step{Op: transform.OpNew}
			ok := d.stepObject(n, p, d.newFields(&st), "field", "value")
			return st, ok
		},
		"delete": func(n *yaml.Node, p string) (transform.Step, bool) {
			st := transform.Step{Op: transform.OpDelete}
			if n.Kind == yaml.ScalarNode {
				return st, d.nonEmpty(n, p, &st.Field)
			}
			ok := d.stepObject(n, p, d.deleteFields(&st), "field")
			return st, ok
		},
		"map": func(n *yaml.Node, p string) (transform.Step, bool) {
			st := transform.Step{Op: transform.OpMap}
			ok := d.stepObject(n, p, d.mapFields(&st), "field", "values")
			return st, ok
		},
		"timestamp": func(n *yaml.Node, p string) (transform.Step, bool) {
			st := transform.Step{Op: transform.OpTimestamp}
			var patNode *yaml.Node
			f := d.timestampFields(&st, &patNode)
			ok := d.stepObject(n, p, f, "field", "pattern")
			if ok && patNode != nil {
				if _, err := transform.CompilePattern(st.Pattern, st.Zone); err != nil {
					d.problem(patNode, join(p, "pattern"), "%v", err)
					ok = false
				}
			}
			return st, ok
		},
		"cast": func(n *yaml.Node, p string) (transform.Step, bool) {
			st := transform.Step{Op: transform.OpCast}
			ok := d.stepObject(n, p, d.castFields(&st), "field", "to")
			return st, ok
		},
		"derive": func(n *yaml.Node, p string) (transform.Step, bool) {
			st := transform.Step{Op: transform.OpDerive}
			ok := d.stepObject(n, p, d.deriveFields(&st), "field", "expr")
			return st, ok
		},
	}
}

func (d *decoder) deriveFields(st *transform.Step) fields {
	return fields{
		"field": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Field) },
		"expr":  func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Expr) },
	}
}

func (d *decoder) renameFields(st *transform.Step) fields {
	return fields{
		"from": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Field) },
		"to":   func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.To) },
	}
}

func (d *decoder) copyFields(st *transform.Step) fields {
	f := d.renameFields(st)
	f["map"] = func(n *yaml.Node, p string) { st.Map = d.valueMap(n, p) }
	return f
}

func (d *decoder) newFields(st *transform.Step) fields {
	return fields{
		"field": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Field) },
		"value": func(n *yaml.Node, p string) { st.Value, _ = d.value(n, p) },
	}
}

func (d *decoder) deleteFields(st *transform.Step) fields {
	return fields{"field": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Field) }}
}

func (d *decoder) mapFields(st *transform.Step) fields {
	return fields{
		"field":  func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Field) },
		"values": func(n *yaml.Node, p string) { st.Map = d.valueMap(n, p) },
	}
}

func (d *decoder) timestampFields(st *transform.Step, patNode **yaml.Node) fields {
	return fields{
		"field": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Field) },
		"pattern": func(n *yaml.Node, p string) {
			if d.nonEmpty(n, p, &st.Pattern) {
				*patNode = n
			}
		},
		"zone": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Zone) },
	}
}

func (d *decoder) castFields(st *transform.Step) fields {
	return fields{
		"field": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &st.Field) },
		"to": func(n *yaml.Node, p string) {
			var s string
			if d.str(n, p, &s) {
				k, ok := transform.CastKind(s)
				if !ok || !slices.Contains(castNames, s) {
					d.problem(n, p, "expected one of string, integer, float, bool, found %q", s)
					return
				}
				st.Cast = k
			}
		},
	}
}

// stepObject decodes a step's arguments and checks the required ones.
func (d *decoder) stepObject(n *yaml.Node, path string, f fields, required ...string) bool {
	before := len(d.errs)
	present := map[string]bool{}
	wrapped := fields{}
	for k, fn := range f {
		wrapped[k] = func(n *yaml.Node, p string) { present[k] = true; fn(n, p) }
	}
	if !d.object(n, path, wrapped) {
		return false
	}
	for _, r := range required {
		if !present[r] {
			d.problem(n, path, "expected %s (required: %s)", r, strings.Join(required, ", "))
		}
	}
	return len(d.errs) == before
}

// mapping decodes the attribute mapping of a customers import.
func (d *decoder) mapping(n *yaml.Node, path string, im *Import) {
	if n.Kind != yaml.SequenceNode {
		d.problem(n, path, "expected a list of attributes, found %s", describe(n))
		return
	}
	seen := map[string]bool{}
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		a, ok := d.attribute(item, p)
		if !ok {
			continue
		}
		if seen[a.Attribute] {
			d.problem(item, p, "attribute %q is mapped twice", a.Attribute)
			continue
		}
		seen[a.Attribute] = true
		im.Mapping = append(im.Mapping, a)
	}
}

func (d *decoder) attribute(n *yaml.Node, path string) (Attribute, bool) {
	before := len(d.errs)
	a := Attribute{Pos: Pos{n.Line, n.Column}}
	var typeNode, fallbackNode, allowedNode *yaml.Node
	if !d.object(n, path, d.attributeFields(&a, &typeNode, &fallbackNode, &allowedNode)) {
		return a, false
	}
	if a.Attribute == "" {
		d.problem(n, path, "expected an attribute name (attribute: ...)")
		return a, false
	}
	if a.Header == "" {
		a.Header = a.Attribute
	}
	if fallbackNode != nil && (a.Type == transform.AttrDate || a.Type == transform.AttrDatetime) {
		e, err := transform.ParseDateExpr(a.Fallback)
		if err != nil {
			d.problem(fallbackNode, join(path, "fallback"), "%v", err)
		}
		a.FallbackDate = e
	}
	if allowedNode != nil && a.Type != transform.AttrSelect && a.Type != transform.AttrList {
		d.problem(allowedNode, join(path, "allowed"), "allowed values are for select and list attributes, not %s", a.Type)
	}
	if fallbackNode != nil && a.FallbackDate == nil && a.Type != transform.AttrDate && a.Type != transform.AttrDatetime {
		chk := transform.AttrCheck{Type: a.Type, Allowed: a.Allowed}
		if !chk.Valid([]byte(a.Fallback), transform.TypeString) {
			d.problem(fallbackNode, join(path, "fallback"), "expected a %s value, found %q", a.Type, a.Fallback)
		}
	}
	return a, len(d.errs) == before
}

func (d *decoder) attributeFields(a *Attribute, typeNode, fallbackNode, allowedNode **yaml.Node) fields {
	return fields{
		"attribute": func(n *yaml.Node, p string) { d.nonEmpty(n, p, &a.Attribute) },
		"header":    func(n *yaml.Node, p string) { d.nonEmpty(n, p, &a.Header) },
		"type": func(n *yaml.Node, p string) {
			var s string
			if d.str(n, p, &s) {
				t, ok := transform.ParseAttrType(s)
				if !ok {
					d.problem(n, p, "expected one of %s, found %q", strings.Join(transform.AttrTypeNames(), ", "), s)
					return
				}
				a.Type, *typeNode = t, n
			}
		},
		"mandatory": func(n *yaml.Node, p string) { d.boolean(n, p, &a.Mandatory) },
		"fallback": func(n *yaml.Node, p string) {
			if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
				d.problem(n, p, "expected a value, found %s", describe(n))
				return
			}
			a.Fallback, *fallbackNode = n.Value, n
		},
		"ignore_on_update": func(n *yaml.Node, p string) { d.boolean(n, p, &a.IgnoreOnUpdate) },
		"values":           func(n *yaml.Node, p string) { a.Values = d.valueMap(n, p) },
		"allowed": func(n *yaml.Node, p string) {
			*allowedNode = n
			if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
				d.problem(n, p, "expected a non-empty list of values, found %s", describe(n))
				return
			}
			for i, c := range n.Content {
				if c.Kind != yaml.ScalarNode || c.ShortTag() == "!!null" {
					d.problem(c, fmt.Sprintf("%s[%d]", p, i), "expected a value, found %s", describe(c))
					continue
				}
				a.Allowed = append(a.Allowed, c.Value)
			}
		},
	}
}
