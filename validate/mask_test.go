package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/issue"
)

func TestMaskEmails(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"no address here", "no address here"},
		{"frank.doe@example.com", "f***@example.com"},
		{" Anna.Schmidt@Example.COM ", " A***@Example.COM "},
		{"eve@@example.net", "e***@@example.net"},
		{"john.doe@", "j***@"},
		{"@example.com", "@example.com"},
		{"a@b", "a***@b"},
		{"é@example.com", "é***@example.com"},
		{`expected an e-mail address, found "bob@example.org"`, `expected an e-mail address, found "b***@example.org"`},
		{"x@a.io,y@b.io;<z@c.io> (w@d.io)", "x***@a.io,y***@b.io;<z***@c.io> (w***@d.io)"},
		{"A-1,email,carol@example.com,EUR", "A-1,email,c***@example.com,EUR"},
		{"two@ats@once", "t***@ats@once"},
		{"GET http://REDACTED@127.0.0.1:80/x.csv?token=REDACTED: 404", "GET http://REDACTED@127.0.0.1:80/x.csv?token=REDACTED: 404"},
		{"sftp://partner:REDACTED@host/in/a.csv", "sftp://partner:REDACTED@host/in/a.csv"},
		{"http://host/export/bob@example.com.csv", "h***@example.com.csv"},
		{"http://host/x?to=bob@example.com", "h***@example.com"},
	} {
		require.Equal(t, c.want, MaskEmails(c.in), c.in)
	}
	s := "nothing to mask in a long value"
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = MaskEmails(s) }), "no '@', no allocation")
}

// TestRejectWriterMasksEmails: with MaskEmails, no plain address reaches
// the spool or the rejects files, and the message says it was masked.
func TestRejectWriterMasksEmails(t *testing.T) {
	dir := t.TempDir()
	w, err := NewRejectWriterWith(dir, RejectOptions{MaskEmails: true})
	require.NoError(t, err)
	require.NoError(t, w.Add(Reject{File: "c.csv", Line: 4, RecordID: "xi@@bad.example", Column: "userId", Code: issue.InvalidUserID,
		Message: `userIdType email: expected an e-mail address, found "xi@@bad.example"`, Value: "xi@@bad.example"}))
	require.NoError(t, w.Add(Reject{File: "c.csv", Line: 7, RecordID: "vic@example.com", Column: "firstName", Code: issue.InvalidUserID,
		Message: "unterminated quote", Value: `"Vic,F`}))
	require.NoError(t, w.Add(Reject{File: "c.csv", Line: 9, RecordID: "A-9", Column: "currency", Code: issue.InvalidUserID,
		Message: "missing", Value: ""}))
	// The spool holds nothing plain either.
	require.NoError(t, w.w.Flush())
	spool, err := os.ReadFile(w.spool.Name())
	require.NoError(t, err)
	require.NotContains(t, string(spool), "xi@")
	require.NotContains(t, string(spool), "vic@")
	require.NoError(t, w.Finish(nil))

	csvb, err := os.ReadFile(filepath.Join(dir, RejectsCSV))
	require.NoError(t, err)
	jsonb, err := os.ReadFile(filepath.Join(dir, RejectsJSON))
	require.NoError(t, err)
	for _, b := range [][]byte{csvb, jsonb} {
		require.NotContains(t, string(b), "xi@")
		require.NotContains(t, string(b), "vic@")
		require.Contains(t, string(b), "x***@@bad.example")
		require.Contains(t, string(b), "v***@example.com")
	}
	var rs []rejectJSON
	require.NoError(t, json.Unmarshal(jsonb, &rs))
	require.Len(t, rs, 3)
	require.True(t, strings.HasSuffix(rs[0].Message, MaskedNote), rs[0].Message)
	require.True(t, strings.HasSuffix(rs[1].Message, MaskedNote), "a masked record id is noted too")
	require.Equal(t, "missing", rs[2].Message, "nothing masked, nothing noted")
}

func TestReportMaskEmails(t *testing.T) {
	r := &Report{
		Options: map[string]any{"hash_emails": true},
		Error:   `every file failed (first: c.csv: line 3: bad row "zed@example.com,x")`,
		Files:   []FileReport{{URI: "c.csv", Error: "line 3: zed@example.com"}},
		Samples: Samples{First: []json.RawMessage{json.RawMessage(`{"note":"yan@example.com"}`)}},
		Stats: map[string][]ColumnStats{"customers": {{Column: "note", Min: "a@b.c", Max: 3.0,
			Top: []TopValue{{Value: "yan@example.com", Count: 2}, {Value: true, Count: 1}}}}},
		Superseded: []SupersededRun{{OrderID: "wu@example.com"}},
	}
	dir := t.TempDir()
	_, err := r.WriteFile(dir)
	require.NoError(t, err)
	for _, name := range []string{ReportFile, "report.html"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		for _, plain := range []string{"zed@", "yan@", "wu@", "a@b.c"} {
			require.NotContains(t, string(b), plain, name)
		}
	}
	require.Equal(t, "line 3: z***@example.com", r.Files[0].Error, "masked in place")
	require.Equal(t, 3.0, r.Stats["customers"][0].Max)
	require.Equal(t, true, r.Stats["customers"][0].Top[1].Value)

	plain := &Report{Error: "zed@example.com"}
	_, err = plain.WriteFile(t.TempDir())
	require.NoError(t, err)
	require.Equal(t, "zed@example.com", plain.Error, "without --hash-emails nothing is masked")
}
