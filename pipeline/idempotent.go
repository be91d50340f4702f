package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"ingot/formats/source"
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
// A remote source (S3, HTTP, SFTP) is hashed beforehand only when a
// committed source of the same kind and format has exactly its size (as
// the store lists it): a new file is downloaded once, as before, and only
// a likely re-send is downloaded twice. A remote source of unknown size,
// and standard input, cannot be checked before reading: they are read,
// diffed and committed as before (unchanged records add nothing and emit
// no event).
func (a *attempt) skipCommitted(ctx context.Context) error {
	if a.opt.Force || len(a.log) == 0 {
		return nil
	}
	committed := map[string]int64{} // sha256 → newest version listing it
	sizes := map[int64]bool{}       // the sizes of the committed sources
	for _, m := range a.log {
		if m.Kind != a.opt.Kind.Name() || m.Format != a.opt.Format.Name {
			continue // the same bytes read as something else
		}
		for _, s := range m.Sources {
			if s.SHA256 != "" {
				committed[s.SHA256] = m.Version
				sizes[s.Bytes] = true
			}
		}
	}
	if len(committed) == 0 {
		return nil
	}
	for _, f := range a.files {
		var (
			sum string
			n   int64
			err error
		)
		if p, ok := f.obj.LocalPath(); ok {
			sum, n, err = hashFile(ctx, p)
		} else if f.obj.URI != source.StdinURI && f.obj.Size >= 0 && sizes[f.obj.Size] {
			sum, n, err = a.hashRemote(ctx, f.obj)
		} else {
			continue
		}
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

// hashRemote reads a remote source to its end and returns the sha256
// (hex) of its raw bytes and their count, as the read stage would.
func (a *attempt) hashRemote(ctx context.Context, o source.Object) (string, int64, error) {
	r, err := a.opt.Stores.Open(ctx, o)
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	if _, err := io.Copy(io.Discard, r); err != nil {
		return "", 0, err
	}
	return r.SHA256(), r.BytesRead(), nil
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
