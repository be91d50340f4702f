package commit

// PinnedValue is the value a warehouse's log pins an option of a kind
// to: the value recorded by the newest manifest of that kind that
// records the option at all.
type PinnedValue struct {
	Value    string
	Version  int64
	ImportID string
}

// Pinned returns, for each option recorded in the Pinned field of a
// manifest of kind in log (ascending versions), its newest value.
// Manifests written before options were pinned record none: they pin
// nothing.
func Pinned(log []Manifest, kind string) map[string]PinnedValue {
	out := map[string]PinnedValue{}
	for _, m := range log {
		if m.Kind != kind {
			continue
		}
		for k, v := range m.Pinned {
			out[k] = PinnedValue{Value: v, Version: m.Version, ImportID: m.ImportID}
		}
	}
	return out
}
