package events

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/formats"
	"ingot/issue"
	"ingot/kinds"
)

// bound is one row as the binding made it.
type bound struct {
	Line                  int64
	Event, Type, ID, Key  string
	At                    int64
	Props                 string
	Rejected              bool
	Code, Column, Message string
}

// bind reads text in format f at batch size rows and binds every row.
func bind(t testing.TB, f *formats.Format, text string, rows int, opt kinds.BindOptions) ([]bound, error) {
	r, err := f.Shape(strings.NewReader(text), "in", formats.ReadOptions{BatchRows: rows})
	if err != nil {
		return nil, err
	}
	v, err := NewValidator(f, r.Header(), opt)
	if err != nil {
		return nil, err
	}
	var out []bound
	for {
		b, err := r.ReadBatch()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		got, err := v.Validate(b)
		require.NoError(t, err)
		o := got.(*Rows)
		rej := map[int32]int{}
		for k, row := range o.RejectRow {
			rej[row] = k
		}
		for row := range o.Rows() {
			bd := bound{Line: o.Lines[row], Rejected: o.RowError[row]}
			if k, ok := rej[int32(row)]; ok {
				bd.Code, bd.Column, bd.Message = issue.InfoOf(o.Rejects[k].Code).Name, o.Rejects[k].Column, o.Rejects[k].Message
			} else {
				bd.Event, bd.Type, bd.ID, bd.Key = string(o.Event(row)), string(o.Type(row)), string(o.ID(row)), string(o.Key(row))
				bd.At, bd.Props = o.At[row], string(o.Props(row))
			}
			out = append(out, bd)
		}
	}
}

func rd(fields ...string) string {
	for len(fields) < 22 {
		fields = append(fields, "")
	}
	return strings.Join(fields, ";")
}

func TestRelatedDigitalBinding(t *testing.T) {
	const ts = "2014-05-25 12:25:43"
	const at = int64(1401020743) * 1_000_000
	ok := rd(ts, "C1", "7", "CAT", "SKU-1", "2", "10.5")
	for _, tc := range []struct {
		name, text string
		want       []bound
	}{
		{"no header, the 22 columns", ok + "\n", []bound{{Line: 1, Event: "purchase", Type: "customer_id", ID: "C1", At: at,
			Props: `{"category":"CAT","event_name":"SKU-1","event_type":"7","num1":2,"num2":10.5}`}}},
		{"a header is detected and skipped", "Zeit;Kunde\n" + ok + "\n", []bound{{Line: 2, Event: "purchase", Type: "customer_id", ID: "C1", At: at,
			Props: `{"category":"CAT","event_name":"SKU-1","event_type":"7","num1":2,"num2":10.5}`}}},
		{"a BOM before the header", "\ufeffTimestamp;CustomerId\n" + ok + "\n", []bound{{Line: 2, Event: "purchase", Type: "customer_id", ID: "C1", At: at,
			Props: `{"category":"CAT","event_name":"SKU-1","event_type":"7","num1":2,"num2":10.5}`}}},
		{"transaction attributes, quoted, trailing empty ones left out",
			ok + `;"T;1";T2;;` + "\n" + rd(ts, "C2", "3", "", "SKU-2", "1", "1", "v1", "", "", "", "v5", "a1", "", "", "", "", "", "", "", "", "a10") + ";x\n",
			[]bound{
				{Line: 1, Event: "purchase", Type: "customer_id", ID: "C1", At: at,
					Props: `{"category":"CAT","event_name":"SKU-1","event_type":"7","num1":2,"num2":10.5,"transaction_attributes":["T;1","T2"]}`},
				{Line: 2, Event: "3", Type: "customer_id", ID: "C2", At: at,
					Props: `{"attr1":"a1","attr10":"a10","event_name":"SKU-2","event_type":"3","num1":1,"num2":1,"transaction_attributes":["x"],"var1":"v1","var5":"v5"}`},
			}},
		// Past the header's columns, a delimiter inside a quoted
		// transaction attribute splits it: the CSV reader joins surplus
		// fields without their quotes (formats.RelatedDigitalShape).
		{"a header narrower than the rows", "Timestamp;Customer\n" + ok + `;"T;1";T2` + "\n",
			[]bound{{Line: 2, Event: "purchase", Type: "customer_id", ID: "C1", At: at,
				Props: `{"category":"CAT","event_name":"SKU-1","event_type":"7","num1":2,"num2":10.5,"transaction_attributes":["T","1","T2"]}`}}},
		{"too few columns", strings.Join([]string{ts, "C1", "7", "CAT", "SKU-1", "2", "10.5"}, ";") + "\n" + ok + "\n", []bound{
			{Line: 1, Rejected: true, Code: "field_count", Message: "expected 22 fields, found 7"},
			{Line: 2, Event: "purchase", Type: "customer_id", ID: "C1", At: at,
				Props: `{"category":"CAT","event_name":"SKU-1","event_type":"7","num1":2,"num2":10.5}`}}},
		{"mandatory values", rd(ts, "C1", "7", "CAT", "", "2", "1") + "\n" + rd(ts, "C1", "", "CAT", "S", "2", "1") + "\n" +
			rd(ts, "null", "7", "", "S", "2", "1") + "\n" + rd(ts, "C1", "7", "", "S", "2", "") + "\n" + rd(ts, "C1", "7", "", "S", "1,5", "1") + "\n" +
			rd("2014-02-30 10:00:00", "C1", "7", "", "S", "1", "1") + "\n",
			[]bound{
				{Line: 1, Rejected: true, Code: "missing", Column: "event_name", Message: "expected a value for event_name, found an empty field"},
				{Line: 2, Rejected: true, Code: "missing", Column: "event_type", Message: "expected a value for event_type, found an empty field"},
				{Line: 3, Rejected: true, Code: "invalid_user_id", Column: "customer_id", Message: `expected a user id, found the placeholder "null"`},
				{Line: 4, Rejected: true, Code: "missing", Column: "num2", Message: "expected a value for num2, found an empty field"},
				{Line: 5, Rejected: true, Code: "not_a_number", Column: "num1", Message: `expected a decimal number, found "1,5"`},
				{Line: 6, Rejected: true, Code: "bad_timestamp", Column: "timestamp", Message: `expected an ISO-8601 date-time with a time zone, found "2014-02-30 10:00:00"`},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, rows := range []int{1, 2, 1000} {
				got, err := bind(t, formats.RelatedDigital, tc.text, rows, kinds.BindOptions{})
				require.NoError(t, err)
				require.Equal(t, tc.want, got, "batch rows %d", rows)
			}
		})
	}
}

func TestCrossEngageBinding(t *testing.T) {
	text := `[
{"event":"a","id":7,"timestamp":"2020-01-01T00:00:00+01:00","x":1},
{"event":"b","email":" Ann@Example.COM ","businessUnit":"de","id":null},
{"event":"c","id":{"n":1}},
{"event":"d","email":"a@b.co","businessUnit":true},
{"event":"","id":"x"},
{"id":"x"},
{"event":"e","id":"x","timestamp":1577836800}
]`
	got, err := bind(t, formats.CrossEngageJSON, text, 3, kinds.BindOptions{HashEmails: false})
	require.NoError(t, err)
	require.Equal(t, []bound{
		{Line: 2, Event: "a", Type: "external_id", ID: "7", At: 1577833200_000000, Props: `{"timestamp":"2020-01-01T00:00:00+01:00","x":1}`},
		{Line: 3, Rejected: true, Code: "missing", Column: "timestamp", Message: "expected a value for timestamp, found an empty field"},
		{Line: 4, Rejected: true, Code: "wrong_type", Column: "id", Message: `expected a string or a number, found an object "{\"n\":1}"`},
		{Line: 5, Rejected: true, Code: "wrong_type", Column: "businessUnit", Message: `expected a string or a number, found a boolean "true"`},
		{Line: 6, Rejected: true, Code: "missing", Column: "event", Message: "expected a value for event, found an empty field"},
		{Line: 7, Rejected: true, Code: "missing", Column: "event", Message: "expected a value for event, found an empty field"},
		{Line: 8, Rejected: true, Code: "wrong_type", Column: "timestamp", Message: `expected a string, found a number "1577836800"`},
	}, got, "no file time: the source is not named event_history_…")
	// The e-mail user, normalised; hashed on demand.
	got, err = bind(t, formats.CrossEngageJSON, `[{"event":"b","email":" Ann@Example.COM ","businessUnit":"de","timestamp":"2020-01-01"}]`, 3, kinds.BindOptions{HashEmails: true})
	require.NoError(t, err)
	require.Equal(t, "email_sha256", got[0].Type)
	require.Len(t, got[0].ID, 64)
	require.Equal(t, `{"businessUnit":"de","timestamp":"2020-01-01"}`, got[0].Props)
	// An empty id gives way to the e-mail; an empty array binds nothing.
	got, err = bind(t, formats.CrossEngageJSON, `[{"event":"b","id":" ","email":"a@b.co","businessUnit":"de","timestamp":"2020-01-01"}]`, 3, kinds.BindOptions{})
	require.NoError(t, err)
	require.Equal(t, []bound{{Line: 1, Event: "b", Type: "email", ID: "a@b.co", At: 1577836800_000000, Props: `{"businessUnit":"de","id":" ","timestamp":"2020-01-01"}`}}, got)
	got, err = bind(t, formats.CrossEngageJSON, "[\n]\n", 3, kinds.BindOptions{})
	require.NoError(t, err)
	require.Empty(t, got)
	// A header without event or any user id column fails the file.
	_, err = bind(t, formats.CrossEngageJSON, `[{"name":"x"}]`, 3, kinds.BindOptions{})
	require.ErrorContains(t, err, "event, id (or email with businessUnit)")
}

// FuzzRelatedDigitalBinding feeds arbitrary text through the Related
// Digital shape and binding: it must never panic; every row is either
// rejected, with a reject, or kept with an event name, a user id, a time
// and properties that are one JSON object holding event_name, num1 and
// num2 as numbers; binding the same text again gives the same rows.
func FuzzRelatedDigitalBinding(f *testing.F) {
	f.Add([]byte(rd("2014-05-25 12:25:43", "C1", "7", "CAT", "SKU-1", "2", "10.5") + ";T1;\"T;2\"\n"))
	f.Add([]byte("Timestamp;Customer\n" + rd("2014-05-25 12:25:43", "C1", "3", "", "S", "1e3", "-0") + "\n"))
	f.Add([]byte("2014-05-25 12:25:43;C1;7\n\"unterminated;\n"))
	f.Add([]byte(rd("2014-05-25T12:25:43+0200", "\xff", "7", "", "S", "1", "1") + "\r\n;;;\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, rows := range []int{2, 1000} {
			got, err := bind(t, formats.RelatedDigital, string(data), rows, kinds.BindOptions{})
			if err != nil {
				continue
			}
			again, err2 := bind(t, formats.RelatedDigital, string(data), rows, kinds.BindOptions{})
			require.NoError(t, err2)
			require.Equal(t, got, again)
			for _, b := range got {
				if b.Rejected {
					require.NotEmpty(t, b.Code)
					require.NotEmpty(t, b.Message)
					continue
				}
				require.NotEmpty(t, b.Event)
				require.NotEmpty(t, b.ID)
				require.Equal(t, "customer_id", b.Type)
				var props map[string]any
				require.NoError(t, json.Unmarshal([]byte(b.Props), &props), b.Props)
				require.IsType(t, float64(0), props["num1"])
				require.IsType(t, float64(0), props["num2"])
				require.NotEmpty(t, props["event_name"])
			}
		}
	})
}

// JSON Lines events: the user id column and its default type come from
// the import's options, a record's userIdType wins, eventId is the key.
func TestEventsJSONLBinding(t *testing.T) {
	text := `{"event":"a","uid":"+4915123456789","timestamp":"2021-01-01T00:00:00Z","eventId":17}
{"event":"b","uid":"abc","userIdType":"crm","timestamp":"2021-01-01 00:00:00","p":[1]}
{"event":"c","uid":"12","timestamp":"2021-01-01T00:00:00Z"}
{"event":"d","uid":"+4915123456789","timestamp":"2021-01-01T00:00:00Z","eventId":true}
{"event":"e","uid":"+4915123456789","userIdType":5,"timestamp":"2021-01-01T00:00:00Z"}
`
	opt := kinds.BindOptions{Records: kinds.RecordOptions{UserIDColumn: "uid", UserIDType: "phone"}}
	got, err := bind(t, formats.EventsJSONL, text, 2, opt)
	require.NoError(t, err)
	const at = int64(1609459200) * 1_000_000
	require.Equal(t, []bound{
		{Line: 1, Event: "a", Type: "phone", ID: "+4915123456789", Key: "17", At: at, Props: `{"timestamp":"2021-01-01T00:00:00Z"}`},
		{Line: 2, Event: "b", Type: "crm", ID: "abc", At: at, Props: `{"p":[1],"timestamp":"2021-01-01 00:00:00"}`},
		{Line: 3, Rejected: true, Code: "invalid_user_id", Column: "uid", Message: `expected an E.164 phone number such as +4915123456789, found "12"`},
		{Line: 4, Rejected: true, Code: "wrong_type", Column: "eventId", Message: `expected a string or a number, found a boolean "true"`},
		{Line: 5, Rejected: true, Code: "wrong_type", Column: "userIdType", Message: `expected a string, found a number "5"`},
	}, got)
	_, err = bind(t, formats.EventsJSONL, text, 2, kinds.BindOptions{})
	require.ErrorContains(t, err, "missing required columns: userId")
}
