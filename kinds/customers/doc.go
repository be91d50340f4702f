// Package customers is the customers kind: one record per user id, its
// every other column an attribute. The user id column and type come from
// the import's options (--user-id, --user-id-type, --hash-emails) and are
// normalised and checked as the orders' are (validate.UserID). Attributes
// merge into the committed customer (--merge merge, the default: given
// attributes added or replaced, others kept) or replace it (overwrite);
// the committed row holds the merged set, so the current state is the
// newest row. customerCreate and customerUpdate events carry only what
// changed.
//
// It does not read files (the pipeline and formats do) and does not
// import other kinds; the work is shared with products in
// kinds/internal/keyed.
package customers
