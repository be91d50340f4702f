package keyed

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ingot/columnar"
	"ingot/formats/json"
	"ingot/formats/parse"
	"ingot/issue"
	"ingot/kinds"
	"ingot/validate"
)

// Spec describes one kind of keyed record.
type Spec struct {
	// Kind is the kind's name, e.g. customers.
	Kind string
	// UserID: the key is a user id (customers), in the column and of the
	// type RecordOptions name; otherwise the key is KeyColumn, trimmed.
	UserID bool
	// KeyColumn is the key's header name when !UserID (productId).
	KeyColumn string
	// KeyName is the key's name in event payloads and samples
	// (product_id); customers have user_id_type and user_id.
	KeyName string
	// Create and Update are the event types of a new and of a changed
	// record (customerCreate, customerUpdate).
	Create, Update string
	// Rows builds the committed rows (see Output).
	Table string
}

// jsonRest is the column in which the JSON reader gathers the keys past
// its column limit; it is not an attribute.
const jsonRest = "_rest"

// DefaultUserIDColumn is the user id column when none is given.
const DefaultUserIDColumn = "userId"

// Validator types and checks the raw batches of one input: the key of
// every row and its attributes (every other column) as a JSON object
// with sorted keys. It is safe for concurrent use: it holds only what
// Bind found.
type Validator struct {
	spec    *Spec
	opt     kinds.RecordOptions
	hash    bool
	keyName string // the key's header name
	idType  string // customers: the user id type as given
}

// NewValidator binds spec to an input's header. The key column must be in
// it (for JSON, whose columns are discovered, in its first batch).
func NewValidator(spec *Spec, header []string, opt kinds.BindOptions) (*Validator, error) {
	v := &Validator{spec: spec, opt: opt.Records, hash: opt.HashEmails, keyName: cmp.Or(opt.Records.KeyColumn, spec.KeyColumn)}
	switch v.opt.Merge {
	case "", kinds.MergeMerge, kinds.MergeOverwrite:
	default:
		return nil, fmt.Errorf("--merge: expected merge or overwrite, found %q", v.opt.Merge)
	}
	switch v.opt.OnRagged {
	case "", kinds.RaggedReject, kinds.RaggedPad, kinds.RaggedTruncate:
	default:
		return nil, fmt.Errorf("--on-ragged: expected reject, pad or truncate, found %q", v.opt.OnRagged)
	}
	if spec.UserID {
		v.keyName = v.opt.UserIDColumn
		if v.keyName == "" {
			v.keyName = DefaultUserIDColumn
		}
		v.idType = strings.TrimSpace(v.opt.UserIDType)
		if v.idType == "" {
			v.idType = validate.TypeEmail
		}
	}
	if !slices.Contains(header, v.keyName) {
		return nil, fmt.Errorf("%w: %s (found %s)", parse.ErrMissingColumns, v.keyName, quoteAll(header))
	}
	return v, nil
}

func quoteAll(h []string) string {
	if len(h) == 0 {
		return "no columns"
	}
	q := make([]string, len(h))
	for i, s := range h {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// Rows is a validated batch: per input row its key, its attributes (a
// JSON object, keys sorted) or its rejection. Values are slices of
// shared buffers, so that a batch allocates per column, not per row.
type Rows struct {
	// Header names the batch's data columns (a JSON batch may have more
	// than the input's first).
	Header []string
	// Lines is the input line of every row.
	Lines []int64
	// Type and ID are the user id type and the key of every row (Type
	// empty for products); empty for a rejected row's missing key.
	typeBuf, idBuf, attrBuf []byte
	typeOff, idOff, attrOff []int32
	// RowError marks rejected rows.
	RowError []bool
	// Rejects are the rejects of the rejected rows, RejectRow the row of
	// each.
	Rejects   []validate.Reject
	RejectRow []int32
	// Issues counts every issue by column and code.
	Issues map[kinds.IssueKey]int64
}

// Rows returns the number of input rows.
func (o *Rows) Rows() int { return len(o.Lines) }

// Release frees nothing: a Rows holds Go memory only, its batch was
// released by Validate.
func (o *Rows) Release() {}

// Type returns the user id type of row i.
func (o *Rows) Type(i int) []byte { return o.typeBuf[o.typeOff[i]:o.typeOff[i+1]] }

// ID returns the key of row i.
func (o *Rows) ID(i int) []byte { return o.idBuf[o.idOff[i]:o.idOff[i+1]] }

// Attrs returns the attributes of row i, a JSON object.
func (o *Rows) Attrs(i int) []byte { return o.attrBuf[o.attrOff[i]:o.attrOff[i+1]] }

// Validate types and checks b, which it releases.
func (v *Validator) Validate(b *columnar.Batch) (kinds.Validated, error) {
	defer b.Release()
	n := b.Rows()
	nf := b.NumFields()
	sch := b.Rec.Schema()
	o := &Rows{Header: make([]string, nf), Lines: slices.Clone(b.Lines()), RowError: make([]bool, n),
		typeOff: make([]int32, 1, n+1), idOff: make([]int32, 1, n+1), attrOff: make([]int32, 1, n+1),
		Issues: map[kinds.IssueKey]int64{}}
	keyCol := -1
	for i := range nf {
		o.Header[i] = sch.Field(i).Name
		if o.Header[i] == v.keyName {
			keyCol = i
		}
	}
	// Attribute columns in the order of their JSON keys' bytes: the
	// object comes out sorted as every stored object is (sortMembers).
	attrs := make([]int, 0, nf)
	names := make([][]byte, nf)
	for i := range nf {
		if i != keyCol && (b.Types == nil || o.Header[i] != jsonRest) {
			attrs = append(attrs, i)
			names[i] = columnar.AppendJSONString(nil, []byte(o.Header[i]))
		}
	}
	slices.SortStableFunc(attrs, func(a, c int) int { return bytes.Compare(names[a], names[c]) })
	// A name given twice (a CSV header may) is one attribute: the last
	// column's, as a JSON object's last duplicate key wins.
	uniq := attrs[:0]
	for k, i := range attrs {
		if k+1 < len(attrs) && bytes.Equal(names[attrs[k+1]], names[i]) {
			continue
		}
		uniq = append(uniq, i)
	}
	attrs = uniq
	cols := make([]columnar.Strings, nf)
	data := 0 // the batch's value bytes: the attributes' first guess
	for i := range nf {
		cols[i] = columnar.StringsOf(b.Field(i))
		data += len(b.Field(i).ValueBytes())
	}
	if keyCol >= 0 {
		o.idBuf = make([]byte, 0, len(b.Field(keyCol).ValueBytes())+n)
	}
	o.typeBuf = make([]byte, 0, n*len(v.idType)+n)
	names0 := 0
	for _, i := range attrs {
		names0 += len(o.Header[i]) + 4
	}
	o.attrBuf = make([]byte, 0, data+n*(names0+2))
	types := func(col, row int) columnar.ValueType {
		if b.Types == nil {
			return columnar.TypeString
		}
		return b.Types[col].At(row)
	}
	// The issues that reject rows (the reader's, and the transforms' and
	// mapping's), in row order: a rejected row gets a reject for each.
	bad := make([]int32, 0, b.Issues.Len())
	for k, code := range b.Issues.Code {
		o.Issues[kinds.IssueKey{Column: colName(o.Header, int(b.Issues.Col[k])), Code: code}]++
		if issue.InfoOf(code).Severity != issue.Error {
			continue
		}
		if code == issue.FieldCount {
			found := int(b.Issues.Arg[k])
			short := found < nf
			if v.opt.OnRagged == kinds.RaggedTruncate || v.opt.OnRagged == kinds.RaggedPad && short {
				continue // the reader padded it, or dropped the surplus (csv.Options.DropSurplus)
			}
		}
		bad = append(bad, int32(k))
	}
	slices.SortStableFunc(bad, func(x, y int32) int { return cmp.Compare(b.Issues.Row[x], b.Issues.Row[y]) })
	for row := range n {
		if len(bad) > 0 && int(b.Issues.Row[bad[0]]) == row {
			j := 1
			for j < len(bad) && int(b.Issues.Row[bad[j]]) == row {
				j++
			}
			o.reject(v, b, row, bad[:j], keyCol)
			bad = bad[j:]
			continue
		}
		// The key.
		var raw []byte
		kt := columnar.TypeAbsent
		if keyCol >= 0 && !b.Field(keyCol).IsNull(row) {
			raw, kt = cols[keyCol].At(row), types(keyCol, row)
		}
		if kt != columnar.TypeString && kt != columnar.TypeNumber {
			raw = nil
		}
		if v.spec.UserID {
			var p issue.UserIDProblem
			t0, i0 := len(o.typeBuf), len(o.idBuf)
			o.typeBuf, o.idBuf, p = validate.UserID(o.typeBuf, o.idBuf, []byte(v.idType), raw, v.hash)
			if p != 0 {
				o.typeBuf, o.idBuf = o.typeBuf[:t0], o.idBuf[:i0]
				o.rejectCode(v, b, row, keyCol, issue.InvalidUserID, int64(p), raw)
				continue
			}
		} else {
			raw = columnar.TrimSpace(raw)
			if len(raw) == 0 {
				o.rejectCode(v, b, row, keyCol, issue.Missing, 0, raw)
				continue
			}
			o.idBuf = append(o.idBuf, raw...)
		}
		o.typeOff = append(o.typeOff, int32(len(o.typeBuf)))
		o.idOff = append(o.idOff, int32(len(o.idBuf)))
		// The attributes.
		o.attrBuf = append(o.attrBuf, '{')
		first := true
		for _, c := range attrs {
			if b.Field(c).IsNull(row) {
				continue
			}
			val := cols[c].At(row)
			t := types(c, row)
			if t == columnar.TypeAbsent || t == columnar.TypeNull {
				continue
			}
			if b.Types == nil && len(val) == 0 {
				continue // an empty CSV value is an attribute not given
			}
			if !first {
				o.attrBuf = append(o.attrBuf, ',')
			}
			first = false
			o.attrBuf = append(o.attrBuf, names[c]...)
			o.attrBuf = append(o.attrBuf, ':')
			if t == columnar.TypeString {
				o.attrBuf = columnar.AppendJSONString(o.attrBuf, val)
			} else {
				o.attrBuf = append(o.attrBuf, val...)
			}
		}
		o.attrBuf = append(o.attrBuf, '}')
		o.attrOff = append(o.attrOff, int32(len(o.attrBuf)))
	}
	return o, nil
}

// reject rejects row for the issues ks of b (at least one), a reject
// for each.
func (o *Rows) reject(v *Validator, b *columnar.Batch, row int, ks []int32, keyCol int) {
	for i, k := range ks {
		col, code, arg := int(b.Issues.Col[k]), b.Issues.Code[k], b.Issues.Arg[k]
		var val []byte
		if col >= 0 && col < b.NumFields() {
			val = []byte(b.Field(col).Value(row))
		}
		if i == 0 {
			o.rejectIssue(v, b, row, keyCol, col, code, arg, val)
		} else {
			o.addReject(v, b, row, keyCol, col, code, arg, val)
		}
	}
}

// rejectCode rejects row for a problem of its key.
func (o *Rows) rejectCode(v *Validator, b *columnar.Batch, row, keyCol int, code columnar.Code, arg int64, val []byte) {
	o.Issues[kinds.IssueKey{Column: v.keyName, Code: code}]++
	o.rejectIssue(v, b, row, keyCol, keyCol, code, arg, val)
}

func (o *Rows) rejectIssue(v *Validator, b *columnar.Batch, row, keyCol, col int, code columnar.Code, arg int64, val []byte) {
	o.RowError[row] = true
	o.typeOff = append(o.typeOff, int32(len(o.typeBuf)))
	o.idOff = append(o.idOff, int32(len(o.idBuf)))
	o.attrOff = append(o.attrOff, int32(len(o.attrBuf)))
	o.addReject(v, b, row, keyCol, col, code, arg, val)
}

// addReject adds a reject of a rejected row.
func (o *Rows) addReject(v *Validator, b *columnar.Batch, row, keyCol, col int, code columnar.Code, arg int64, val []byte) {
	r := validate.Reject{File: b.Source, Line: o.Lines[row], Offset: b.Offsets()[row], Code: code, Column: colName(o.Header, col), Value: string(val)}
	if keyCol >= 0 && !b.Field(keyCol).IsNull(row) {
		r.RecordID = strings.Clone(strings.TrimSpace(b.Field(keyCol).Value(row)))
	}
	if code >= issue.JSONSyntax {
		r.Message = json.Message(code, arg)
	} else {
		mc := issue.MessageContext{Fields: len(o.Header), RecordID: r.RecordID, Line: r.Line, Field: r.Column}
		if v.spec.UserID {
			mc.UserIDType = v.idType
		}
		r.Message = issue.Message(code, arg, r.Value, mc)
	}
	o.Rejects = append(o.Rejects, r)
	o.RejectRow = append(o.RejectRow, int32(row))
}

func colName(header []string, col int) string {
	if col < 0 || col >= len(header) {
		return ""
	}
	return header[col]
}
