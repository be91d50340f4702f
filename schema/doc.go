// Package schema describes the tables ingot commits (design section 3):
// for each, its Arrow schema, its key, its Hive partition column and the
// columns worth dictionary encoding. One file per table; a new kind adds
// its tables here.
//
// It is a leaf: it imports no other package of ingot, holds no state and
// does no I/O. Formats bind their fields to these columns, kinds build
// records of these schemas, and commit writes and reads them back.
package schema
