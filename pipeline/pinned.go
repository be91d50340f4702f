package pipeline

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"ingot/commit"
)

// PinnedError refuses an import whose options that change how records
// are stored differ from those the warehouse's earlier commits of the
// kind chose. A command line maps it to exit code 2.
type PinnedError struct {
	Kind    string
	Changes []PinnedChange
}

// PinnedChange is one pinned option the import would change.
type PinnedChange struct {
	Option    string
	Value     string // this import's
	Committed commit.PinnedValue
}

// why says what a change of each pinned option would do to a table.
var why = map[string]string{
	"hash_emails":  "the same customer's e-mail would be stored both plain and hashed",
	"user_id_type": "the same customers would be keyed by ids of another type",
	"order_id":     "the same orders would be keyed by another column and counted again",
	"merge":        "records would be merged by some imports and overwritten by others",
}

func (e *PinnedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refused before reading any data: this import would change %d option(s) the warehouse's %s were committed with:", len(e.Changes), e.Kind)
	for _, c := range e.Changes {
		fmt.Fprintf(&b, "\n  %s: this import has %s, the %s were committed with %s (version %d, import %s)",
			c.Option, c.Value, e.Kind, c.Committed.Value, c.Committed.Version, c.Committed.ImportID)
		if w := why[c.Option]; w != "" {
			fmt.Fprintf(&b, ": %s", w)
		}
	}
	b.WriteString("\nimport with the committed value(s) again, or add --allow-changed-options (in a spec, allow_changed_options: true) to change them from this import on")
	return b.String()
}

// checkPinned compares the import's pinned options with the values the
// newest commits of its kind in log recorded. Options no earlier commit
// recorded (manifests of older builds) are allowed and recorded from this
// commit on. Changes are an error unless opt.AllowChangedOptions, which
// logs them.
func checkPinned(log []commit.Manifest, opt Options, logger *slog.Logger) error {
	if len(opt.Pinned) == 0 || len(log) == 0 {
		return nil
	}
	kind := opt.Kind.Name()
	committed := commit.Pinned(log, kind)
	e := &PinnedError{Kind: kind}
	for k, v := range opt.Pinned {
		if c, ok := committed[k]; ok && c.Value != v {
			e.Changes = append(e.Changes, PinnedChange{Option: k, Value: v, Committed: c})
		}
	}
	if len(e.Changes) == 0 {
		return nil
	}
	slices.SortFunc(e.Changes, func(a, b PinnedChange) int { return strings.Compare(a.Option, b.Option) })
	if !opt.AllowChangedOptions {
		return e
	}
	for _, c := range e.Changes {
		logger.Warn("changing a pinned option (--allow-changed-options)", "kind", kind, "option", c.Option,
			"from", c.Committed.Value, "committed_version", c.Committed.Version, "to", c.Value)
	}
	return nil
}
