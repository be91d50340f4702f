package transform

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"ingot/columnar"
)

// DateExpr is a compiled fallback date: static (2026-04-07,
// 2026-04-07T14:30:00Z, Apr 7, 2026, @1712491800) or dynamic, relative to
// the run's clock in UTC:
//
//	today, tomorrow, yesterday, now       midnight of that day (now: the instant)
//	+1 day, -2 weeks, +1 month, +1 year   now moved by that much (also hours, minutes)
//	monday … sunday                       that weekday: today or the next one
//	next monday, last friday              strictly after / before today
//	first day of this month               also last day of; this, next or last month
//
// Any day expression may end with a time of day, HH:MM or HH:MM:SS (today
// 10:00, +1 day 14:00, next monday 09:00), which replaces the time. Adding
// months or years keeps the day of the month when it exists and otherwise
// takes the month's last day (Jan 31 + 1 month = Feb 28 or 29).
type DateExpr struct {
	src string
	// static, when set, is the fixed instant of a static expression.
	static *time.Time
	base   baseKind
	n      int // amount for a relative base, or the weekday
	unit   byte
	hasTOD bool
	tod    time.Duration
}

type baseKind uint8

const (
	baseToday baseKind = iota
	baseNow
	baseRelative
	baseWeekday
	baseNextWeekday
	baseLastWeekday
	baseFirstOfMonth
	baseLastOfMonth
)

// ParseDateExpr compiles a fallback date expression (see DateExpr).
func ParseDateExpr(s string) (*DateExpr, error) {
	e := &DateExpr{src: s}
	src := strings.TrimSpace(s)
	if src == "" {
		return nil, fmt.Errorf("empty date expression")
	}
	if t, ok := parseStaticDate(src); ok {
		e.static = &t
		return e, nil
	}
	words := strings.Fields(strings.ToLower(src))
	// A trailing time of day.
	if len(words) > 1 {
		if d, ok := parseTOD(words[len(words)-1]); ok {
			e.hasTOD, e.tod = true, d
			words = words[:len(words)-1]
		}
	}
	bad := func() (*DateExpr, error) {
		return nil, fmt.Errorf("date expression %q: expected a date (2026-04-07, Apr 7, 2026, @1712491800), "+
			"today, tomorrow, yesterday, now, +N day|week|month|year, a weekday, next or last WEEKDAY, "+
			"or first|last day of this|next|last month, optionally followed by HH:MM", s)
	}
	switch {
	case len(words) == 1 && (words[0] == "today" || words[0] == "tomorrow" || words[0] == "yesterday"):
		e.base = baseToday
		e.n = map[string]int{"today": 0, "tomorrow": 1, "yesterday": -1}[words[0]]
		e.unit = 'd'
	case len(words) == 1 && words[0] == "now":
		e.base = baseNow
	case len(words) == 1 && weekday(words[0]) >= 0:
		e.base, e.n = baseWeekday, weekday(words[0])
	case len(words) == 2 && (words[0] == "next" || words[0] == "last") && weekday(words[1]) >= 0:
		e.base, e.n = baseNextWeekday, weekday(words[1])
		if words[0] == "last" {
			e.base = baseLastWeekday
		}
	case len(words) == 5 && (words[0] == "first" || words[0] == "last") && words[1] == "day" && words[2] == "of" && words[4] == "month":
		e.base = baseFirstOfMonth
		if words[0] == "last" {
			e.base = baseLastOfMonth
		}
		switch words[3] {
		case "this":
		case "next":
			e.n = 1
		case "last", "previous":
			e.n = -1
		default:
			return bad()
		}
	case len(words) == 1 || len(words) == 2:
		// +1 day, -2 weeks, +1day
		num, unit := words[0], ""
		if len(words) == 2 {
			unit = words[1]
		} else {
			k := strings.IndexFunc(num[1:], func(r rune) bool { return r < '0' || r > '9' }) + 1
			if k <= 0 {
				return bad()
			}
			num, unit = num[:k], num[k:]
		}
		if len(num) < 2 || (num[0] != '+' && num[0] != '-') {
			return bad()
		}
		x, err := strconv.Atoi(num[1:])
		if err != nil || x > 100000 {
			return bad()
		}
		if num[0] == '-' {
			x = -x
		}
		u := strings.TrimSuffix(unit, "s")
		switch u {
		case "day", "week", "month", "year", "hour", "minute":
		default:
			return bad()
		}
		e.base, e.n, e.unit = baseRelative, x, u[0]
		if u == "minute" {
			e.unit = 'i'
		}
		if u == "day" || u == "week" || u == "month" || u == "year" {
			break
		}
		if e.hasTOD {
			return nil, fmt.Errorf("date expression %q: a time of day cannot follow hours or minutes", s)
		}
	default:
		return bad()
	}
	return e, nil
}

// String returns the expression as written.
func (e *DateExpr) String() string { return e.src }

// Static reports whether the expression names a fixed instant.
func (e *DateExpr) Static() bool { return e.static != nil }

// Eval returns the instant the expression names at now, in UTC.
func (e *DateExpr) Eval(now time.Time) time.Time {
	if e.static != nil {
		return *e.static
	}
	now = now.UTC()
	y, m, d := now.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	var t time.Time
	switch e.base {
	case baseNow:
		t = now
	case baseToday:
		t = midnight.AddDate(0, 0, e.n)
	case baseRelative:
		switch e.unit {
		case 'd':
			t = now.AddDate(0, 0, e.n)
		case 'w':
			t = now.AddDate(0, 0, 7*e.n)
		case 'm':
			t = addMonths(now, e.n)
		case 'y':
			t = addMonths(now, 12*e.n)
		case 'h':
			t = now.Add(time.Duration(e.n) * time.Hour)
		case 'i':
			t = now.Add(time.Duration(e.n) * time.Minute)
		}
	case baseWeekday, baseNextWeekday:
		ahead := (e.n - int(now.Weekday()) + 7) % 7
		if ahead == 0 && e.base == baseNextWeekday {
			ahead = 7
		}
		t = midnight.AddDate(0, 0, ahead)
	case baseLastWeekday:
		back := (int(now.Weekday()) - e.n + 7) % 7
		if back == 0 {
			back = 7
		}
		t = midnight.AddDate(0, 0, -back)
	case baseFirstOfMonth, baseLastOfMonth:
		first := addMonths(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), e.n)
		t = first
		if e.base == baseLastOfMonth {
			t = first.AddDate(0, 1, -1)
		}
	}
	if e.hasTOD {
		ty, tm, td := t.Date()
		t = time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC).Add(e.tod)
	}
	return t
}

// addMonths moves t by n months, keeping the day of the month or, when the
// target month is shorter, taking its last day.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + n
	ty := y + floorDivInt(total, 12)
	tm := total - floorDivInt(total, 12)*12 + 1
	d = min(d, daysIn(ty, tm))
	h, mi, s := t.Clock()
	return time.Date(ty, time.Month(tm), d, h, mi, s, t.Nanosecond(), time.UTC)
}

func floorDivInt(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func weekday(w string) int {
	for i, n := range dayNames {
		if w == n || (len(w) == 3 && n[:3] == w) {
			return i
		}
	}
	return -1
}

func parseTOD(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	lim := []int{23, 59, 59}
	var d time.Duration
	units := []time.Duration{time.Hour, time.Minute, time.Second}
	for i, p := range parts {
		if len(p) == 0 || len(p) > 2 {
			return 0, false
		}
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || x > lim[i] {
			return 0, false
		}
		d += time.Duration(x) * units[i]
	}
	return d, true
}

var staticPatterns = func() []*Pattern {
	var ps []*Pattern
	for _, s := range []string{"MMM d, yyyy", "MMM d yyyy", "d MMM yyyy", "MMM d, yyyy HH:mm", "MMM d, yyyy HH:mm:ss"} {
		p, err := CompilePattern(s, "")
		if err != nil {
			panic(err)
		}
		ps = append(ps, p)
	}
	return ps
}()

// parseStaticDate parses the fixed forms: ISO-8601 dates and date-times,
// English month-name dates, and @unix seconds.
func parseStaticDate(s string) (time.Time, bool) {
	if len(s) > 1 && s[0] == '@' {
		x, err := strconv.ParseInt(s[1:], 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(x, 0).UTC(), true
	}
	if us, ok := columnar.ParseTimestamp([]byte(s)); ok {
		return time.UnixMicro(us).UTC(), true
	}
	for _, p := range staticPatterns {
		if us, _, ok := p.Parse([]byte(s)); ok {
			return time.UnixMicro(us).UTC(), true
		}
	}
	return time.Time{}, false
}
