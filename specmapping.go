package ingot

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"ingot/spec"
)

// specOptions are the decoding options of LoadSpec: the formats the
// spec contract names plus those this build registers.
func specOptions() spec.Options {
	formats := spec.DefaultFormats()
	for _, k := range []string{KindOrders, KindCustomers, KindProducts, KindEvents} {
		for _, f := range FormatNames(k) {
			if !slices.Contains(formats[k], f) {
				formats[k] = append(formats[k], f)
			}
		}
	}
	return spec.Options{Formats: formats}
}

// customersImport returns the one customers import of s, the one a
// mapping belongs to.
func customersImport(s *spec.Spec) (*spec.Import, error) {
	var found *spec.Import
	n := 0
	for i := range s.Imports {
		if s.Imports[i].Kind == KindCustomers {
			found = &s.Imports[i]
			n++
		}
	}
	if n != 1 {
		return nil, usagef("%s: expected exactly one customers import (the mapping is theirs), found %d", s.File, n)
	}
	return found, nil
}

// ExportSpecMapping returns the attribute mapping of the customers import
// of the spec at path as JSON (spec.ExportMapping), for `ingot mapping
// export`. A spec without a customers import, or whose customers import
// has no mapping, is a *UsageError.
func ExportSpecMapping(path string) ([]byte, error) {
	s, err := LoadSpec(path)
	if err != nil {
		return nil, err
	}
	im, err := customersImport(s)
	if err != nil {
		return nil, err
	}
	if len(im.Mapping) == 0 {
		return nil, usagef("%s:%d:%d: the customers import has no mapping (without one, every column is imported)", s.File, im.Pos.Line, im.Pos.Column)
	}
	return spec.ExportMapping(im.Mapping)
}

// ImportSpecMapping reads a mapping (JSON as ExportSpecMapping writes it,
// or YAML) from mappingPath and writes it into the spec at specPath as
// the mapping of its customers import, for `ingot mapping import`. The
// rest of the spec is kept line for line with its comments
// (spec.ReplaceMapping). The new spec is decoded before it replaces the
// old one (the old one may be invalid: a mapping import may be its fix), which is replaced atomically and keeps its permissions; a
// mapping or a spec with problems is a *UsageError and changes nothing.
func ImportSpecMapping(mappingPath, specPath string) error {
	data, err := os.ReadFile(mappingPath)
	if err != nil {
		return &UsageError{fmt.Errorf("read mapping: %w", err)}
	}
	attrs, err := spec.ImportMapping(data, mappingPath)
	if err != nil {
		return &UsageError{err}
	}
	text, err := os.ReadFile(specPath)
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	out, err := spec.ReplaceMapping(text, specPath, attrs)
	if err != nil {
		return &UsageError{err}
	}
	if _, err := spec.Parse(out, specPath, specOptions()); err != nil {
		return &UsageError{fmt.Errorf("the spec with this mapping would not be valid, so it was left as it was:\n%w", err)}
	}
	return replaceFile(specPath, out)
}

// replaceFile writes data over path atomically (a temporary file in the
// same directory, renamed), keeping path's permissions.
func replaceFile(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
