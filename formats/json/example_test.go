package json_test

import (
	"fmt"
	"io"
	"strings"

	"ingot/formats/json"
)

// Reading a JSON Lines feed with fixed columns: the other keys are
// gathered into _rest, numbers keep their text, and a bad line is one
// rejected record with its position.
func ExampleNewReader() {
	in := `{"event":"orderCompleted","id":"c-1","total":129.90,"loyaltyId":12345678901234567890}
{"event":"productViewed" "id":"c-2"}
{"event":"cartAbandoned","email":"anna@example.com","businessUnit":"de"}
`
	r, err := json.NewReader(strings.NewReader(in), "events.jsonl",
		json.Options{Fields: []string{"event", "id", "email", "businessUnit"}})
	if err != nil {
		panic(err)
	}
	defer r.Release()
	b, err := r.ReadBatch()
	if err != nil && err != io.EOF {
		panic(err)
	}
	defer b.Release()
	fmt.Println(r.Shape(), r.Fields())
	for i := range b.Rows() {
		fmt.Printf("line %d: event=%q (%v) rest=%s\n", b.Lines()[i], b.Field(0).Value(i), b.Types[0].At(i), b.Field(4).Value(i))
	}
	for k := range b.Issues.Len() {
		fmt.Printf("line %d: %s\n", b.Lines()[b.Issues.Row[k]], json.Message(b.Issues.Code[k], b.Issues.Arg[k]))
	}
	// Output:
	// jsonl [event id email businessUnit _rest]
	// line 1: event="orderCompleted" (string) rest={"total":129.90,"loyaltyId":12345678901234567890}
	// line 2: event="" (absent) rest=
	// line 3: event="cartAbandoned" (string) rest=
	// line 2: column 26: expected ',' or '}' after an object member, found '"'
}
