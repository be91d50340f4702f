//go:build !ingotfault

package fault

// Enabled reports whether this is a fault build (the ingotfault tag).
const Enabled = false

// Hit marks that the import reached point. Without the ingotfault tag it
// does nothing.
func Hit(point string) {}
