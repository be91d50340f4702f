package commit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
)

// RepairItem is a damaged manifest and what repair does with it.
type RepairItem struct {
	Problem LogProblem
	// Refs is what its text seems to name (see SalvageReferences).
	Refs Referenced
	// Sizes gives, for each path of Refs.Paths, its size in bytes, or -1
	// if it is not in the store (or the store cannot tell).
	Sizes []int64
	// Segments are event segments of the same version in the store that
	// Refs does not name: the segment of the commit, if its manifest was
	// torn before the events line.
	Segments []string
	// To is where ApplyRepair moves the manifest.
	To string
}

// PlanRepair reads the log and returns a RepairItem for every manifest
// that cannot be trusted, changing nothing. now names the quarantined
// copies.
func PlanRepair(ctx context.Context, s Store, now time.Time) ([]RepairItem, error) {
	_, problems, err := ReadLogTolerant(ctx, s)
	if err != nil {
		return nil, err
	}
	var items []RepairItem
	for _, p := range problems {
		it := RepairItem{Problem: p, To: QuarantineDir + path.Base(p.Path) + "." + now.UTC().Format("20060102T150405Z")}
		if b, err := s.ReadFile(ctx, p.Path); err == nil {
			it.Refs = SalvageReferences(b)
		}
		for _, r := range it.Refs.Paths {
			it.Sizes = append(it.Sizes, storeSize(s, r))
		}
		segs, err := s.List(ctx, fmt.Sprintf("%s%0*d", EventsDir, versionDigits, p.Version))
		if err != nil {
			return nil, err
		}
		for _, seg := range segs {
			if !strings.Contains(seg[len(EventsDir):], "/") && !contains(it.Refs.Paths, seg) {
				it.Segments = append(it.Segments, seg)
			}
		}
		items = append(items, it)
	}
	return items, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// storeSize is the size of p in a local store, or -1.
func storeSize(s Store, p string) int64 {
	if checkPath(p) != nil {
		return -1
	}
	lp := s.LocalPath(p)
	if lp == "" {
		return -1
	}
	fi, err := os.Stat(lp)
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

// ApplyRepair moves each item's manifest out of the log to item.To, by a
// link then a remove, so that the manifest is never in neither place.
// The files it named stay where they are: no manifest names them any
// more, so vacuum lists them once they are old enough.
func ApplyRepair(ctx context.Context, s Store, items []RepairItem) error {
	for _, it := range items {
		err := s.Link(ctx, it.Problem.Path, it.To)
		if errors.Is(err, fs.ErrNotExist) {
			continue // moved by a concurrent repair
		}
		if err != nil {
			return fmt.Errorf("repair: move %s to %s: %w", it.Problem.Path, it.To, err)
		}
		if err := s.Remove(ctx, it.Problem.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("repair: move %s to %s: %w", it.Problem.Path, it.To, err)
		}
	}
	return nil
}
