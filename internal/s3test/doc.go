// Package s3test starts an S3-compatible server on 127.0.0.1 for tests:
// gofakes3 with its in-memory backend, behind a handler that adds what
// gofakes3 lacks and ingot relies on, that can cut responses short to
// test resumption, and that injects faults (Fault: an error status, a
// stall, or an error after the work was done) into the Nth request of a
// kind. It is imported by tests only.
//
// gofakes3 honours If-None-Match: * on PutObject itself (atomically, in
// its backend). It ignores If-None-Match on CopyObject and
// CompleteMultipartUpload and If-Match on GetObject; the handler here
// implements those conditions, checked and applied under one lock shared
// by every conditional write, so that two racing writers see S3's answer
// (412 Precondition Failed for the loser).
package s3test
