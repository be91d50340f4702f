package events

import (
	"bytes"
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"ingot/columnar"
	"ingot/formats"
	"ingot/formats/json"
	"ingot/formats/parse"
	"ingot/issue"
	"ingot/kinds"
	"ingot/validate"
)

// jsonRest is the column in which the JSON reader gathers the keys past
// its column limit: its members are properties too.
const jsonRest = "_rest"

// Validator binds the raw batches of one input of an event format to
// events. It holds only what Bind found, so it is safe for concurrent
// use.
type Validator struct {
	lay    *formats.EventLayout
	hash   bool
	delim  byte
	userID string // the user id column (named layouts)
	idType string // the type of user ids when the layout and record give none
}

// NewValidator binds an event format to an input's header: for a named
// layout the event and user id columns must be in it (a JSON input's
// first batch), unless the layout offers another user id (CrossEngage's
// email).
func NewValidator(f *formats.Format, header []string, opt kinds.BindOptions) (*Validator, error) {
	if f.Events == nil {
		return nil, fmt.Errorf("format %s is not an event format", f.Name)
	}
	lay := f.Events
	v := &Validator{lay: lay, hash: opt.HashEmails,
		userID: lay.UserID, idType: cmp.Or(strings.TrimSpace(opt.Records.UserIDType), validate.TypeEmail)}
	if lay.Positional {
		v.delim = cmp.Or(opt.Records.Delimiter, f.Delimiter, ';')
		return v, nil
	}
	if lay.UserIDFlag && opt.Records.UserIDColumn != "" {
		v.userID = opt.Records.UserIDColumn
	}
	if len(header) == 0 {
		return v, nil // no record at all (an empty array): nothing to bind
	}
	var missing []string
	if !slices.Contains(header, lay.Event) {
		missing = append(missing, lay.Event)
	}
	if !slices.Contains(header, v.userID) && (lay.AltUserID == "" || !slices.Contains(header, lay.AltUserID)) {
		want := v.userID
		if lay.AltUserID != "" {
			want += " (or " + lay.AltUserID + " with " + lay.AltScope + ")"
		}
		missing = append(missing, want)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s (found %s)", parse.ErrMissingColumns, strings.Join(missing, ", "), quoteAll(header))
	}
	return v, nil
}

func quoteAll(h []string) string {
	if len(h) == 0 {
		return "no columns"
	}
	q := make([]string, len(h))
	for i, s := range h {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// Rows is a validated batch: per input row its event, or its rejection.
// Values are slices of shared buffers, so that a batch allocates per
// column, not per row.
type Rows struct {
	// Source names the input; Lines is the input line of every row.
	Source string
	Lines  []int64
	// At is when each event occurred, microseconds since the epoch, UTC.
	At []int64

	evBuf, typBuf, idBuf, keyBuf, propBuf []byte
	evOff, typOff, idOff, keyOff, propOff []int32

	// RowError marks rejected rows; Rejects are their rejects and
	// RejectRow the row of each.
	RowError  []bool
	Rejects   []validate.Reject
	RejectRow []int32
	// Issues counts every issue by column and code.
	Issues map[kinds.IssueKey]int64
}

// Rows returns the number of input rows.
func (o *Rows) Rows() int { return len(o.Lines) }

// Release frees nothing: Rows holds Go memory only.
func (o *Rows) Release() {}

func at(buf []byte, off []int32, i int) []byte { return buf[off[i]:off[i+1]] }

// Event returns the event name of row i.
func (o *Rows) Event(i int) []byte { return at(o.evBuf, o.evOff, i) }

// Type and ID return the user id type and user id of row i.
func (o *Rows) Type(i int) []byte { return at(o.typBuf, o.typOff, i) }

// ID returns the user id of row i.
func (o *Rows) ID(i int) []byte { return at(o.idBuf, o.idOff, i) }

// Key returns the event id of row i, empty when the event has none.
func (o *Rows) Key(i int) []byte { return at(o.keyBuf, o.keyOff, i) }

// Props returns the properties of row i, a JSON object.
func (o *Rows) Props(i int) []byte { return at(o.propBuf, o.propOff, i) }

// rowState is the binding of the row at hand: what was appended so far,
// so that a rejection takes it back.
type rowState struct {
	ev, typ, id, key, prop int
}

func (o *Rows) mark() rowState {
	return rowState{len(o.evBuf), len(o.typBuf), len(o.idBuf), len(o.keyBuf), len(o.propBuf)}
}

func (o *Rows) undo(m rowState) {
	o.evBuf, o.typBuf, o.idBuf, o.keyBuf, o.propBuf = o.evBuf[:m.ev], o.typBuf[:m.typ], o.idBuf[:m.id], o.keyBuf[:m.key], o.propBuf[:m.prop]
}

// end closes row: its values end where the buffers do.
func (o *Rows) end() {
	o.evOff = append(o.evOff, int32(len(o.evBuf)))
	o.typOff = append(o.typOff, int32(len(o.typBuf)))
	o.idOff = append(o.idOff, int32(len(o.idBuf)))
	o.keyOff = append(o.keyOff, int32(len(o.keyBuf)))
	o.propOff = append(o.propOff, int32(len(o.propBuf)))
}

// problem is why a row is rejected.
type problem struct {
	col   string
	code  columnar.Code
	arg   int64
	value []byte
	want  string // WrongType: what was expected; Missing: the field named
	ok    bool
}

func bad(col string, code columnar.Code, arg int64, value []byte, want string) problem {
	return problem{col: col, code: code, arg: arg, value: value, want: want, ok: true}
}

// Validate binds b, which it releases.
func (v *Validator) Validate(b *columnar.Batch) (kinds.Validated, error) {
	defer b.Release()
	n := b.Rows()
	data := 0
	for i := range b.NumFields() {
		data += len(b.Field(i).ValueBytes())
	}
	o := &Rows{Source: b.Source, Lines: slices.Clone(b.Lines()), At: make([]int64, n), RowError: make([]bool, n),
		evOff: make([]int32, 1, n+1), typOff: make([]int32, 1, n+1), idOff: make([]int32, 1, n+1),
		keyOff: make([]int32, 1, n+1), propOff: make([]int32, 1, n+1),
		propBuf: make([]byte, 0, data+data/4+n*16), idBuf: make([]byte, 0, n*24), evBuf: make([]byte, 0, n*16),
		typBuf: make([]byte, 0, n*12), Issues: map[kinds.IssueKey]int64{}}
	header := make([]string, b.NumFields())
	for i := range header {
		header[i] = b.Rec.Schema().Field(i).Name
	}
	// Structural issues, by row: an error rejects the row, unless it is
	// a Related Digital row with more fields than the header (its
	// transaction attributes).
	rowBad := make([]problem, n)
	surplus := make([]bool, n)
	for k, code := range b.Issues.Code {
		row, col, arg := int(b.Issues.Row[k]), int(b.Issues.Col[k]), b.Issues.Arg[k]
		name := ""
		if col >= 0 && col < len(header) {
			name = header[col]
		}
		if code == issue.FieldCount && v.lay.Positional {
			if int(arg) > len(header) {
				surplus[row] = true
				continue
			}
			if int(arg) >= formats.RelatedDigitalRequired {
				continue // padded, but every positional column is there
			}
		}
		if issue.InfoOf(code).Severity != issue.Error {
			o.Issues[kinds.IssueKey{Column: name, Code: code}]++
			continue
		}
		if !rowBad[row].ok {
			var val []byte
			if col >= 0 && col < len(header) {
				val = []byte(b.Field(col).Value(row))
			}
			rowBad[row] = bad(name, code, arg, val, "")
		}
	}
	if v.lay.Positional {
		v.positional(o, b, rowBad, surplus)
	} else {
		v.named(o, b, header, rowBad)
	}
	return o, nil
}

// reject records row as rejected for p.
func (v *Validator) reject(o *Rows, b *columnar.Batch, row int, p problem, recordID []byte) {
	o.RowError[row] = true
	o.end()
	o.Issues[kinds.IssueKey{Column: p.col, Code: p.code}]++
	r := validate.Reject{File: b.Source, Line: o.Lines[row], Code: p.code, Column: p.col, Value: string(p.value),
		RecordID: string(recordID)}
	if p.code >= issue.JSONSyntax {
		r.Message = json.Message(p.code, p.arg)
	} else {
		mc := issue.MessageContext{Field: cmp.Or(p.want, p.col), Want: p.want, Line: r.Line, RecordID: r.RecordID}
		if p.code == issue.FieldCount {
			mc.Fields = formats.RelatedDigitalRequired
		}
		r.Message = issue.Message(p.code, p.arg, r.Value, mc)
	}
	o.Rejects = append(o.Rejects, r)
	o.RejectRow = append(o.RejectRow, int32(row))
}

// userID checks and appends a user id of type typ; it returns the
// problem, if any, on column col.
func (v *Validator) checkUser(o *Rows, typ, raw []byte, col string) problem {
	t0, i0 := len(o.typBuf), len(o.idBuf)
	var p issue.UserIDProblem
	o.typBuf, o.idBuf, p = validate.UserID(o.typBuf, o.idBuf, typ, raw, v.hash)
	if p != 0 {
		o.typBuf, o.idBuf = o.typBuf[:t0], o.idBuf[:i0]
		return bad(col, issue.InvalidUserID, int64(p), raw, "")
	}
	return problem{}
}

// timestamp parses an event's time.
func timestamp(raw []byte, col string) (int64, problem) {
	if len(columnar.TrimSpace(raw)) == 0 {
		return 0, bad(col, issue.Missing, 0, raw, "")
	}
	t, ok := columnar.ParseTimestamp(raw)
	if !ok {
		return 0, bad(col, issue.BadTimestamp, 0, raw, "")
	}
	return t, problem{}
}

// positional binds Related Digital rows by position.
func (v *Validator) positional(o *Rows, b *columnar.Batch, rowBad []problem, surplus []bool) {
	nf := b.NumFields()
	cols := make([]columnar.Strings, nf)
	for i := range nf {
		cols[i] = columnar.StringsOf(b.Field(i))
	}
	fields := make([][]byte, 0, max(nf, formats.RelatedDigitalRequired)+8)
	for row := range o.Rows() {
		if rowBad[row].ok {
			p := rowBad[row]
			if p.code == issue.FieldCount {
				p.col = ""
			}
			v.reject(o, b, row, p, nil)
			continue
		}
		fields = fields[:0]
		for i := range nf {
			val := cols[i].At(row)
			if i == nf-1 && surplus[row] {
				for {
					j := bytes.IndexByte(val, v.delim)
					if j < 0 {
						break
					}
					fields = append(fields, val[:j])
					val = val[j+1:]
				}
			}
			fields = append(fields, val)
		}
		if len(fields) < formats.RelatedDigitalRequired { // a header shorter than the columns
			v.reject(o, b, row, bad("", issue.FieldCount, int64(len(fields)), nil, ""), nil)
			continue
		}
		m := o.mark()
		p := v.positionalRow(o, row, fields)
		if p.ok {
			o.undo(m)
			rid := fields[1]
			if p.code == issue.InvalidUserID {
				rid = nil
			}
			v.reject(o, b, row, p, columnar.TrimSpace(rid))
			continue
		}
		o.end()
	}
}

var purchase = []byte("purchase")

func (v *Validator) positionalRow(o *Rows, row int, f [][]byte) problem {
	names := formats.RelatedDigitalColumns
	for _, i := range formats.RelatedDigitalMandatory {
		if len(columnar.TrimSpace(f[i])) == 0 {
			return bad(names[i], issue.Missing, 0, f[i], "")
		}
	}
	t, p := timestamp(f[0], names[0])
	if p.ok {
		return p
	}
	o.At[row] = t
	if p := v.checkUser(o, []byte("customer_id"), f[1], names[1]); p.ok {
		return p
	}
	typ := columnar.TrimSpace(f[2])
	if bytes.Equal(typ, []byte("7")) {
		o.evBuf = append(o.evBuf, purchase...)
	} else {
		o.evBuf = append(o.evBuf, typ...)
	}
	var num [2]float64
	for k, i := range []int{5, 6} {
		x, ok := columnar.ParseDecimal(columnar.TrimSpace(f[i]))
		if !ok {
			return bad(names[i], issue.NotANumber, 0, f[i], "")
		}
		num[k] = x
	}
	// The properties, keys in byte order.
	d := append(o.propBuf, '{')
	first := true
	str := func(name string, val []byte) {
		if len(val) == 0 {
			return
		}
		if !first {
			d = append(d, ',')
		}
		first = false
		d = append(d, '"')
		d = append(d, name...)
		d = append(d, `":`...)
		d = columnar.AppendJSONString(d, val)
	}
	numf := func(name string, x float64) {
		d = append(d, `,"`...)
		d = append(d, name...)
		d = append(d, `":`...)
		d = columnar.AppendJSONNumber(d, x)
	}
	// attr1, attr10, attr2, … attr9 sort as bytes; then category,
	// event_name, event_type, num1, num2, transaction_attributes, var1–5.
	str("attr1", f[12])
	str("attr10", f[21])
	for i := 13; i <= 20; i++ {
		str(names[i], f[i])
	}
	str("category", f[3])
	str("event_name", columnar.TrimSpace(f[4]))
	str("event_type", typ)
	numf("num1", num[0])
	numf("num2", num[1])
	last := len(f)
	for last > formats.RelatedDigitalRequired && len(f[last-1]) == 0 {
		last--
	}
	if last > formats.RelatedDigitalRequired {
		d = append(d, `,"transaction_attributes":[`...)
		for i, a := range f[formats.RelatedDigitalRequired:last] {
			if i > 0 {
				d = append(d, ',')
			}
			d = columnar.AppendJSONString(d, a)
		}
		d = append(d, ']')
	}
	for i := 7; i <= 11; i++ {
		str(names[i], f[i])
	}
	o.propBuf = append(d, '}')
	return problem{}
}

// named binds the rows of a layout whose columns are named (JSON).
func (v *Validator) named(o *Rows, b *columnar.Batch, header []string, rowBad []problem) {
	lay := v.lay
	nf := b.NumFields()
	cols := make([]columnar.Strings, nf)
	for i := range nf {
		cols[i] = columnar.StringsOf(b.Field(i))
	}
	find := func(name string) int {
		if name == "" {
			return -1
		}
		return slices.Index(header, name)
	}
	ev, uid, alt, scope, ts, eid, utype, rest := find(lay.Event), find(v.userID), find(lay.AltUserID), find(lay.AltScope),
		find(lay.Timestamp), find(lay.EventID), find(lay.UserIDTypeColumn), find(jsonRest)
	if b.Types == nil {
		rest = -1
	}
	// Property columns, in the byte order of their JSON keys.
	props := make([]int, 0, nf)
	keys := make([][]byte, nf)
	for i := range nf {
		if i == ev || i == eid || i == utype || i == rest {
			continue
		}
		props = append(props, i)
		keys[i] = columnar.AppendJSONString(nil, []byte(header[i]))
	}
	slices.SortStableFunc(props, func(a, c int) int { return bytes.Compare(keys[a], keys[c]) })
	typeOf := func(col, row int) columnar.ValueType {
		if col < 0 {
			return columnar.TypeAbsent
		}
		if b.Types == nil {
			if len(cols[col].At(row)) == 0 {
				return columnar.TypeAbsent
			}
			return columnar.TypeString
		}
		return b.Types[col].At(row)
	}
	val := func(col, row int) []byte {
		if col < 0 {
			return nil
		}
		return cols[col].At(row)
	}
	var fileTime int64
	haveFileTime := false
	if lay.FileTime != nil {
		fileTime, haveFileTime = lay.FileTime(path.Base(b.Source))
	}
	for row := range o.Rows() {
		if rowBad[row].ok {
			v.reject(o, b, row, rowBad[row], nil)
			continue
		}
		m := o.mark()
		user, p := v.namedRow(o, row, cols, typeOf, val, ev, uid, alt, scope, ts, eid, utype)
		if !p.ok && !haveTime(typeOf(ts, row)) {
			switch {
			case !lay.TimestampRequired && haveFileTime:
				o.At[row] = fileTime
			default:
				p = bad(lay.Timestamp, issue.Missing, 0, nil, "")
			}
		}
		if p.ok {
			o.undo(m)
			var rid []byte
			if user >= 0 && p.code != issue.InvalidUserID && p.code != issue.WrongType {
				rid = columnar.TrimSpace(val(user, row))
			}
			v.reject(o, b, row, p, rid)
			continue
		}
		// The properties: every other column, with its JSON type.
		d := append(o.propBuf, '{')
		first := true
		for _, c := range props {
			if c == user {
				continue
			}
			t := typeOf(c, row)
			if t == columnar.TypeAbsent || t == columnar.TypeNull {
				continue
			}
			if !first {
				d = append(d, ',')
			}
			first = false
			d = append(d, keys[c]...)
			d = append(d, ':')
			if t == columnar.TypeString {
				d = columnar.AppendJSONString(d, val(c, row))
			} else {
				d = append(d, val(c, row)...)
			}
		}
		if rest >= 0 && typeOf(rest, row) == columnar.TypeObject {
			if r := val(rest, row); len(r) > 2 {
				if !first {
					d = append(d, ',')
				}
				d = append(d, r[1:len(r)-1]...)
			}
		}
		o.propBuf = append(d, '}')
		o.end()
	}
}

func haveTime(t columnar.ValueType) bool {
	return t != columnar.TypeAbsent && t != columnar.TypeNull
}

// wantString checks that the value of col on row is a string (or, with
// num, a number too).
func wantString(typeOf func(col, row int) columnar.ValueType, val func(col, row int) []byte, col, row int, name string, num bool) problem {
	switch t := typeOf(col, row); {
	case t == columnar.TypeString, num && t == columnar.TypeNumber:
		return problem{}
	case t == columnar.TypeAbsent, t == columnar.TypeNull:
		return bad(name, issue.Missing, 0, nil, "")
	default:
		want := "a string"
		if num {
			want = "a string or a number"
		}
		return bad(name, issue.WrongType, int64(t), val(col, row), want)
	}
}

// namedRow binds one row of a named layout; it returns the column used as
// the user id (-1 before it is known) and the problem that rejects the
// row, if any. A missing timestamp is left to the caller (o.At stays 0
// and no problem is returned for it).
func (v *Validator) namedRow(o *Rows, row int, cols []columnar.Strings, typeOf func(col, row int) columnar.ValueType,
	val func(col, row int) []byte, ev, uid, alt, scope, ts, eid, utype int) (int, problem) {
	lay := v.lay
	// The user: the id, else the alternative pair.
	user := -1
	switch {
	case haveTime(typeOf(uid, row)) && (len(columnar.TrimSpace(val(uid, row))) > 0 || !haveTime(typeOf(alt, row))):
		user = uid
	case haveTime(typeOf(alt, row)):
		user = alt // an empty id gives way to the e-mail
	}
	if p := wantString(typeOf, val, ev, row, lay.Event, false); p.ok {
		return user, p
	}
	name := columnar.TrimSpace(val(ev, row))
	if len(name) == 0 {
		return user, bad(lay.Event, issue.Missing, 0, val(ev, row), "")
	}
	o.evBuf = append(o.evBuf, name...)
	switch {
	case user < 0:
		want := v.userID
		if lay.AltUserID != "" {
			want += ", or " + lay.AltUserID + " with " + lay.AltScope
		}
		return user, bad(v.userID, issue.Missing, 0, nil, want)
	case user == uid:
		if p := wantString(typeOf, val, uid, row, v.userID, true); p.ok {
			return user, p
		}
		typ := []byte(v.idType)
		switch {
		case lay.UserIDType != "":
			typ = []byte(lay.UserIDType)
		case utype >= 0 && haveTime(typeOf(utype, row)):
			if p := wantString(typeOf, val, utype, row, lay.UserIDTypeColumn, false); p.ok {
				return user, p
			}
			typ = columnar.TrimSpace(val(utype, row))
		}
		if p := v.checkUser(o, typ, val(uid, row), v.userID); p.ok {
			return user, p
		}
	default:
		if p := wantString(typeOf, val, alt, row, lay.AltUserID, false); p.ok {
			return user, p
		}
		if p := wantString(typeOf, val, scope, row, lay.AltScope, true); p.ok {
			if p.code == issue.Missing {
				p.want = lay.AltScope + " (with " + lay.AltUserID + ")"
			}
			return user, p
		}
		if len(columnar.TrimSpace(val(scope, row))) == 0 {
			return user, bad(lay.AltScope, issue.Missing, 0, val(scope, row), lay.AltScope+" (with "+lay.AltUserID+")")
		}
		if p := v.checkUser(o, []byte(lay.AltUserIDType), val(alt, row), lay.AltUserID); p.ok {
			return user, p
		}
	}
	if eid >= 0 && haveTime(typeOf(eid, row)) {
		if p := wantString(typeOf, val, eid, row, lay.EventID, true); p.ok {
			return user, p
		}
		o.keyBuf = append(o.keyBuf, columnar.TrimSpace(val(eid, row))...)
	}
	if haveTime(typeOf(ts, row)) {
		if p := wantString(typeOf, val, ts, row, lay.Timestamp, false); p.ok {
			return user, p
		}
		t, p := timestamp(val(ts, row), lay.Timestamp)
		if p.ok {
			return user, p
		}
		o.At[row] = t
	}
	return user, problem{}
}
