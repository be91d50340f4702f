// Package sftptest starts an SSH server with pkg/sftp's server on
// 127.0.0.1 for tests outside formats/source (the end-to-end imports of
// cmd/ingot): password and public-key auth, a fresh host key, and helpers
// that write a known_hosts file and a private key file. It serves the
// local file system. It does not simulate dropped connections; the store's
// own tests in formats/source do.
package sftptest
