// Package source opens the inputs of an import: it expands the user's
// source arguments (paths, directories, globs, file:// URIs) into objects
// with their metadata, and opens each as a Reader that counts its bytes
// and hashes them (SHA-256 of the stored, still compressed bytes).
//
// Remote schemes (http, s3, sftp) plug in as a Store of Stores; there is
// no global registry. It does not decompress or decode: packages compress
// and charset do.
package source
