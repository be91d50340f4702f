// Package orders is everything particular to the orders kind: binding a
// format's fields to the orders and line_items tables and running their
// rules over raw batches (Validator), grouping the sequential rows of each
// order into runs, the run log that finds orders whose id came back after
// other orders, supersession, the content fingerprint and the diff
// against the committed state, and the rendering of orderPlace and
// orderUpdate events.
//
// It knows no CLI and schedules nothing: package pipeline runs its stages.
// The rule kernels it shares with other kinds (user ids, currencies,
// totals) live in package validate.
package orders
