package spec

import (
	"errors"
	"fmt"
	"time"

	"ingot/transform"
)

// Kinds of import, in the order a spec's imports run.
var kindOrder = []string{"customers", "products", "orders", "events"}

// DefaultFormats returns the formats of each kind (design section 2),
// used when Options.Formats is nil. "auto" is accepted for every kind.
func DefaultFormats() map[string][]string {
	return map[string][]string{
		"orders":    {"kevel-csv", "shopify-csv"},
		"customers": {"csv", "jsonl", "json"},
		"products":  {"csv", "jsonl", "json"},
		"events":    {"crossengage-json", "related-digital", "jsonl"},
	}
}

// Spec is a decoded job spec: one or more imports and an optional
// schedule.
type Spec struct {
	// File is the path the spec was read from (for messages).
	File string
	// Schedule is a cron expression (UTC) for `ingot schedule`: five
	// fields, or a descriptor such as @daily or @every 1h. Empty: none.
	Schedule string
	// Imports run in this order: customers, products, orders, events (the
	// order of the spec among imports of the same kind).
	Imports []Import

	secrets []string // values to mask when printing
}

// Import is one import of a spec: the fields of ingot's ImportOptions
// plus the transforms and, for customers, the attribute mapping. Fields a
// spec leaves out are zero; WithDefaults fills them.
type Import struct {
	Kind   string // orders | customers | products | events
	Format string // one of the kind's formats, or auto
	Source Source
	Dest   string // warehouse: a directory or s3://bucket/prefix

	// UserID names the column that identifies a customer and its type.
	UserID *UserID
	// OrderID is the order id column of Shopify orders: Name or Id.
	OrderID string
	// Key is the key column of products (default productId).
	Key string
	// Merge is the merge strategy of customers and products: merge or
	// overwrite.
	Merge string
	// HashEmails stores e-mail user ids as their SHA-256 (user_id.hash is
	// the same switch).
	HashEmails bool

	Transforms []transform.Step
	// TransformPos holds the spec position of each transform, for
	// messages about a step that does not fit the data.
	TransformPos []Pos
	Mapping      []Attribute

	DryRun       bool
	ReportDir    string
	MaxRejected  string // N, P% or none
	OnRagged     string // reject | pad | truncate
	OnNewColumns string // ignore | fail
	// AllowChangedOptions lets an import change options that pin what the
	// warehouse stores (hash_emails, order_id, merge, user_id.type).
	AllowChangedOptions bool
	// MoveProcessed moves each imported source into processed/ beside it
	// once the import has committed.
	MoveProcessed bool

	// Limits against hostile input; zero means ingot's default of each
	// (a negative MaxDecompressionRatio turns the ratio check off).
	MaxRecordBytes, MaxFieldBytes, MaxColumns   int
	MaxDecompressedBytes, MaxDecompressionRatio int64
	// BatchRows and Workers tune the pipeline; zero means the default.
	BatchRows, Workers int

	// Stores: S3 path-style addressing, the SFTP private key and
	// known_hosts files.
	S3PathStyle         bool
	SFTPKey, KnownHosts string

	// Pos is where the import starts in the spec.
	Pos Pos
}

// Source says where the files are and how to read them.
type Source struct {
	// URIs are paths, globs, file://, http(s)://, s3:// or sftp:// URIs.
	URIs []string
	// Encoding is the text encoding: a name, or auto.
	Encoding string
	CSV      CSV
}

// CSV is the dialect of CSV sources. Empty fields mean the defaults.
type CSV struct {
	Delimiter string // one character; default ","
	Quote     string // one character; default `"`
	Header    *bool  // whether the first row names the fields; default true
}

// UserID says which column identifies a customer.
type UserID struct {
	Column string
	Type   string // email, email_sha256, email_md5, phone, phone_sha256 or a custom type
	Hash   bool   // hash plain e-mails (SHA-256)
}

// Attribute maps one file header to one customer attribute.
type Attribute struct {
	Attribute string             // the attribute's name
	Header    string             // the file's header; default Attribute
	Type      transform.AttrType // default string
	Mandatory bool               // a missing or empty value rejects the record
	// Fallback replaces a missing or empty value. For date and datetime
	// attributes it is a date expression (FallbackDate), evaluated once
	// per run in UTC.
	Fallback     string
	FallbackDate *transform.DateExpr
	// IgnoreOnUpdate writes the attribute when the customer is created
	// and never changes it afterwards.
	IgnoreOnUpdate bool
	// Values maps file values to stored ones (exact, type-aware on JSON).
	Values *transform.ValueMap
	// Allowed lists the values of a select, or the items of a list.
	Allowed []string
	Pos     Pos
}

// Pos is a position in a spec file.
type Pos struct {
	Line, Column int
}

// MappingAttrs returns the import's mapping ready for
// transform.MappingSteps, with date fallbacks evaluated once, at now, in
// UTC. It returns nil when the import has no mapping (every column is
// then imported).
func (im *Import) MappingAttrs(now time.Time) []transform.Attr {
	if len(im.Mapping) == 0 {
		return nil
	}
	out := make([]transform.Attr, 0, len(im.Mapping))
	for _, a := range im.Mapping {
		ta := transform.Attr{Attribute: a.Attribute, Header: a.Header, Type: a.Type, Allowed: a.Allowed,
			Mandatory: a.Mandatory, Values: a.Values, Fallback: a.Fallback, HasFallback: a.Fallback != ""}
		if a.FallbackDate != nil {
			// The decoder only accepts date fallbacks on date and datetime
			// attributes, so formatting cannot fail.
			ta.Fallback, _ = transform.FormatFallback(a.Type, a.FallbackDate.Eval(now))
		}
		out = append(out, ta)
	}
	return out
}

// StepError turns an error of a transform program built from this import
// (its Transforms, then MappingSteps of its mapping) into a spec *Error
// that points at the spec line of the step: a field the file lacks is a
// mistake in the spec, reported like the others (exit 2). Other errors
// are returned as they are.
func (im *Import) StepError(file string, err error) error {
	var se *transform.StepError
	if !errors.As(err, &se) {
		return err
	}
	p := Problem{File: file, Msg: se.Err.Error()}
	switch {
	case se.Index < len(im.Transforms) && se.Index < len(im.TransformPos):
		pos := im.TransformPos[se.Index]
		p.Line, p.Column = pos.Line, pos.Column
		p.Path = fmt.Sprintf("transforms[%d].%s", se.Index, se.Op)
	case len(im.Mapping) > 0:
		p.Line, p.Column = im.Mapping[0].Pos.Line, im.Mapping[0].Pos.Column
		p.Path = "mapping"
	}
	return &Error{Problems: []Problem{p}}
}
