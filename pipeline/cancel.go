package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"ingot/validate"
)

// StatusCancelled is the report status of an import that was cancelled
// (Ctrl-C, SIGTERM, a cancelled context) before its commit: nothing was
// committed and what it had written was removed.
const StatusCancelled = validate.StatusCancelled

// CancelledError is the error of an import cancelled before its commit.
// It unwraps to the context's cause (context.Canceled, usually).
type CancelledError struct{ Cause error }

func (e *CancelledError) Error() string { return "cancelled, nothing committed" }
func (e *CancelledError) Unwrap() error { return e.Cause }

// DryRunReportDir is where a dry run without a report directory writes its
// report: a fresh directory under the current one, named after the import,
// so that no earlier report is overwritten.
func DryRunReportDir(importID string) string { return "ingot-dry-run-" + importID }

// reportDirError says why the report could not be written, in the user's
// terms: the warehouse when the report goes there by default, the report
// directory when the user chose it.
func reportDirError(dest, dir string, inWarehouse bool, err error) error {
	reason := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		reason = pe.Err
	}
	if inWarehouse {
		return fmt.Errorf("cannot write into the warehouse %s: %w", dest, &wrapped{reason, err})
	}
	abs, aerr := filepath.Abs(dir)
	if aerr != nil {
		abs = dir
	}
	return fmt.Errorf("cannot write the report into %s: %w", abs, &wrapped{reason, err})
}

// wrapped shows msg's text and unwraps to err: a short message that keeps
// the cause for errors.Is.
type wrapped struct {
	msg error
	err error
}

func (w *wrapped) Error() string { return w.msg.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// rootCause returns the system's reason behind err (no space left on
// device, permission denied) when there is one, so that messages do not
// show the names of ingot's own temporary files; otherwise err.
func rootCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &wrapped{pe.Err, err}
	}
	return err
}
