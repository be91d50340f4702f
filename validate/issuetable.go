package validate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"ingot/columnar"
	"ingot/issue"
)

// IssueRow is one line of the report's issue table: how often one code hit
// one column.
type IssueRow struct {
	// Column is the header name of the field, or "" for an issue that
	// concerns a whole row (a wrong field count, say).
	Column string `json:"column"`
	// Code is the code's stable name, e.g. "not_a_number".
	Code     string         `json:"code"`
	Severity issue.Severity `json:"severity"`
	Hint     string         `json:"hint"`
	Count    int64          `json:"count"`
	// Percent is Count as a percentage of the records read, rounded to
	// two decimals.
	Percent float64 `json:"percent"`
}

// UnmarshalJSON reads a row written by json.Marshal, severity by name.
func (r *IssueRow) UnmarshalJSON(b []byte) error {
	type plain IssueRow
	var p struct {
		plain
		Severity string `json:"severity"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = IssueRow(p.plain)
	switch p.Severity {
	case issue.Error.String():
		r.Severity = issue.Error
	case issue.Warning.String():
		r.Severity = issue.Warning
	default:
		return fmt.Errorf("issue %s on %q: severity: expected %q or %q, found %q", r.Code, r.Column, issue.Error, issue.Warning, p.Severity)
	}
	return nil
}

// IssueTable counts issues per (column, code). The zero value is empty and
// ready to use. Adding to a pair already seen allocates nothing. It is
// not safe for concurrent use: give each goroutine its own and Merge them.
type IssueTable struct {
	index  map[issueKey]int // position in keys and counts
	keys   []issueKey
	counts []int64
	last   int // position of the pair Add saw last, a shortcut for runs
}

type issueKey struct {
	column string
	code   columnar.Code
}

// Add counts n issues of code on column ("" for a row-level issue).
func (t *IssueTable) Add(column string, code columnar.Code, n int64) {
	if t.last < len(t.keys) {
		if k := t.keys[t.last]; k.code == code && k.column == column {
			t.counts[t.last] += n
			return
		}
	}
	k := issueKey{column, code}
	i, ok := t.index[k]
	if !ok {
		if t.index == nil {
			t.index = make(map[issueKey]int)
		}
		i = len(t.keys)
		t.index[k] = i
		t.keys = append(t.keys, k)
		t.counts = append(t.counts, 0)
	}
	t.counts[i] += n
	t.last = i
}

// AddIssues counts every issue of a batch. names are the batch's data
// column names, indexed by Issues.Col; columnar.RowLevel counts as "".
func (t *IssueTable) AddIssues(is *columnar.Issues, names []string) {
	for i, col := range is.Col {
		name := ""
		if col >= 0 && int(col) < len(names) {
			name = names[col]
		}
		t.Add(name, is.Code[i], 1)
	}
}

// Merge adds the counts of o.
func (t *IssueTable) Merge(o *IssueTable) {
	for i, k := range o.keys {
		t.Add(k.column, k.code, o.counts[i])
	}
}

// Len returns the number of (column, code) pairs seen.
func (t *IssueTable) Len() int { return len(t.keys) }

// Count returns the count of one pair.
func (t *IssueTable) Count(column string, code columnar.Code) int64 {
	if i, ok := t.index[issueKey{column, code}]; ok {
		return t.counts[i]
	}
	return 0
}

// Rows returns the table for the report: errors first, then by count,
// highest first, then by column and code name. records is the number of
// records read, the base of Percent; with no records, Percent is 0.
func (t *IssueTable) Rows(records int64) []IssueRow {
	rows := make([]IssueRow, 0, len(t.keys))
	for i, k := range t.keys {
		info := issue.InfoOf(k.code)
		r := IssueRow{
			Column:   k.column,
			Code:     info.Name,
			Severity: info.Severity,
			Hint:     info.Hint,
			Count:    t.counts[i],
		}
		if records > 0 {
			r.Percent = math.Round(float64(r.Count)/float64(records)*100*100) / 100
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b IssueRow) int {
		return cmp.Or(
			cmp.Compare(a.Severity, b.Severity), // Error < Warning
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Code, b.Code),
		)
	})
	return rows
}
