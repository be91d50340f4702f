// Package shareddata finds the team's shared folder of real files and
// edge-case corpora for tests and fuzz seeds: $INGOT_SHARED if set (make
// passes it), else "shared" beside the module root. Tests that need it
// skip when it is absent; CI lays it beside the clone, so there they run.
package shareddata

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir returns the team's shared folder of test data: $INGOT_SHARED
// if set (make passes it), else "shared" beside the module root, or ""
// when neither exists. Tests that need it skip when it is "".
func Dir() string {
	if d := os.Getenv("INGOT_SHARED"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	dirs := []string{filepath.Join(filepath.Dir(dir), "shared")}
	if b, err := os.ReadFile(filepath.Join(dir, ".git")); err == nil {
		// A git worktree: ".git" is a file "gitdir: <main>/.git/worktrees/<name>";
		// the shared folder is beside the main checkout.
		gitdir := strings.TrimSpace(strings.TrimPrefix(string(b), "gitdir:"))
		sep := string(filepath.Separator)
		if i := strings.LastIndex(gitdir, sep+".git"+sep); i >= 0 {
			dirs = append(dirs, filepath.Join(filepath.Dir(gitdir[:i]), "shared"))
		}
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}

// Path returns shared/sub... and skips the test when the shared folder
// or that path is absent.
func Path(t testing.TB, sub ...string) string {
	t.Helper()
	root := Dir()
	if root == "" {
		t.Skip("no shared folder beside the repository (set INGOT_SHARED)")
	}
	p := filepath.Join(append([]string{root}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s absent: %v", filepath.Join(sub...), err)
	}
	return p
}

// Corpus returns the files under shared/corpora/sub whose names end
// in one of exts (all files when exts is empty), each at most 1 MiB, or
// none when the shared folder is absent.
func Corpus(sub string, exts ...string) []string {
	root := Dir()
	if root == "" {
		return nil
	}
	var files []string
	_ = filepath.WalkDir(filepath.Join(root, "corpora", sub), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 1<<20 {
			return nil
		}
		if len(exts) == 0 {
			files = append(files, p)
			return nil
		}
		for _, e := range exts {
			if strings.HasSuffix(p, e) {
				files = append(files, p)
				break
			}
		}
		return nil
	})
	return files
}

// AddSeeds adds the corpus files to f's seed corpus and returns how
// many it added.
func AddSeeds(f *testing.F, files []string) int {
	n := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		f.Add(b)
		n++
	}
	return n
}
