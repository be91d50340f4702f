// Package compress recognises the compression of an input by its magic
// bytes, never its name (gzip, zstd, zip holding one file), and returns a
// reader of the decompressed bytes. Corrupt input is a *CompressionError
// naming the compression and the offset reached; every refusal of damaged
// input matches ErrCorruptArchive. Output is bounded by a ratio to the
// compressed bytes and optionally a size (DecompressOptions), which stops
// decompression bombs.
//
// It does not open sources or decode text.
package compress
