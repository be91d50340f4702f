// Package keyed is the machinery the kinds whose record is one row — a
// key and attributes — share (customers, products): binding the key
// column, building each row's attributes as a JSON object with sorted
// keys (CSV values as text, JSON values with their types; an empty CSV
// value or a JSON null is an attribute not given), merging or
// overwriting the committed attributes, classifying records as added,
// updated or unchanged, the events of what changed, and the supersession
// of a key given twice in one import (last wins).
//
// It does not read files, write Parquet or commit: the pipeline does.
// The kinds wrap it in a few lines each, so that they never import each
// other.
package keyed
