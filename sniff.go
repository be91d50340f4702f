package ingot

import (
	"context"
	"io"

	"ingot/formats"
	"ingot/formats/compress"
	"ingot/formats/source"
)

// SniffOptions describe what `ingot sniff` looks at. The zero value plus
// Sources detects everything.
type SniffOptions struct {
	// Sources are paths, globs, directories or URIs, as for Import ("-"
	// for standard input).
	Sources []string
	// Encoding: "" or auto to detect it, or a name.
	Encoding string
	// Delimiter, Quote and Header ("", present, absent): given, they are
	// used rather than detected.
	Delimiter, Quote byte
	Header           string
	// SampleBytes is how much decoded text is read per source; default
	// formats.DefaultSniffBytes.
	SampleBytes int
	// Stores configure remote sources; Stdin is what "-" reads.
	Stores source.StoreOptions
	Stdin  io.Reader
	// Limits on decompression.
	MaxDecompressedBytes, MaxDecompressionRatio int64
}

// Sniff reads the start of each source and says what it holds (see
// formats.Sniff): compression, encoding, syntax, CSV dialect, columns and
// their types, and the registered formats that recognise it. It reads at
// most SampleBytes of text per source and writes nothing.
func Sniff(ctx context.Context, opt SniffOptions) ([]*formats.Sniffed, error) {
	switch opt.Header {
	case formats.HeaderDetect, formats.HeaderPresent, formats.HeaderAbsent:
	default:
		return nil, usagef("--header: expected present or absent, found %q", opt.Header)
	}
	st, err := source.NewStores(ctx, opt.Stores)
	if err != nil {
		return nil, err
	}
	defer source.CloseStores(st)
	st.Stdin = opt.Stdin
	objs, err := st.Resolve(ctx, opt.Sources)
	if err != nil {
		return nil, &UsageError{err}
	}
	var out []*formats.Sniffed
	for _, o := range objs {
		s, err := formats.Sniff(ctx, st, o, formats.SniffOptions{
			Encoding: opt.Encoding, Delimiter: opt.Delimiter, Quote: opt.Quote, Header: opt.Header,
			Formats: Formats(), SampleBytes: opt.SampleBytes,
			Limits: compress.DecompressOptions{MaxBytes: opt.MaxDecompressedBytes, MaxRatio: opt.MaxDecompressionRatio},
		})
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}
