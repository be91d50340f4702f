package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"ingot/validate"
)

// skipCommitted marks the sources whose content is committed already: a
// local file whose sha256 equals that of a source some manifest of the
// same kind and format lists is not read again. Its report says "already committed as version N", and
// the import adds nothing for it, so re-running an import (after a crash,
// by a retrying scheduler, or by hand) can never re-apply old data on top
// of newer commits. Options.Force turns the check off.
//
// The sha256 of a source is otherwise known only once it has been read.
// Local files are hashed beforehand: one sequential read, cheap beside
// parsing and validating them (and only when the log lists any source).
// Remote sources (S3, HTTP, SFTP) and standard input are not, since that
// would download them twice or cannot be done at all: they are read,
// diffed and committed as before, so unchanged records add nothing and
// emit no event, but a remote file older than a newer commit re-applies
// its records. Their sha256 is in the report and the manifest as always.
func (a *attempt) skipCommitted(ctx context.Context) error {
	if a.opt.Force || len(a.log) == 0 {
		return nil
	}
	committed := map[string]int64{} // sha256 → newest version listing it
	for _, m := range a.log {
		if m.Kind != a.opt.Kind.Name() || m.Format != a.opt.Format.Name {
			continue // the same bytes read as something else
		}
		for _, s := range m.Sources {
			if s.SHA256 != "" {
				committed[s.SHA256] = m.Version
			}
		}
	}
	if len(committed) == 0 {
		return nil
	}
	for _, f := range a.files {
		p, ok := f.obj.LocalPath()
		if !ok {
			continue
		}
		sum, n, err := hashFile(ctx, p)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // the read stage reports what is wrong with the file
		}
		v, ok := committed[sum]
		if !ok {
			continue
		}
		f.skipped = true
		f.report.SHA256, f.report.Bytes = sum, n
		f.report.Status = validate.FileAlreadyCommitted
		f.report.CommittedVersion = v
		f.report.Message = fmt.Sprintf("already committed as version %d (a source with the same sha256); not imported again (--force imports it again)", v)
		a.opt.Logger.Info("source already committed, skipped", "file", f.report.URI, "version", v)
	}
	return nil
}

// hashFile returns the sha256 (hex) and size of the file at p.
func hashFile(ctx context.Context, p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return "", 0, err
		}
		k, err := f.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), n, nil
		}
		if err != nil {
			return "", 0, err
		}
	}
}
