// Package sftptest starts an SSH server with pkg/sftp's server on
// 127.0.0.1 for tests: password and public-key auth, a fresh host key,
// helpers that write a known_hosts file (with the server's key, another
// key or none) and a private key file (plain or encrypted), a connection
// counter, and connections that drop after a given number of bytes, as a
// failing network does. It serves the local file system. The SFTP
// store's tests (formats/source) and the end-to-end imports (cmd/ingot)
// share it.
package sftptest
