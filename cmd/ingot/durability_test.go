package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// callRE and resumedRE match the strace lines of the calls traced by
// TestPublishFsyncs: "PID name(args) = result", "PID name(args
// <unfinished ...>" or "PID <... name resumed>...) = result".
var (
	callRE    = regexp.MustCompile(`^(\d+)\s+(\w+)\((.*?)(?:\)\s+=\s+(-?\d+).*| <unfinished \.\.\.>)$`)
	resumedRE = regexp.MustCompile(`^(\d+)\s+<\.\.\. (\w+) resumed>.*\)\s+=\s+(-?\d+)`)
	quotedRE  = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
)

// TestPublishFsyncs runs an import (this test binary as the ingot
// command) under strace and checks, from the system calls, that every
// file published into the warehouse — Parquet parts, event spools and
// segments, the manifest, report.json and the rejects — was fsynced
// under its temporary name before the rename or link that published it,
// and that the directory it was published into was fsynced after. It
// skips where strace is missing or cannot trace.
func TestPublishFsyncs(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed")
	}
	if out, err := exec.Command(strace, "-f", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here: %v: %s", err, out)
	}
	dir := t.TempDir()
	dest, trace := filepath.Join(dir, "wh"), filepath.Join(dir, "trace.txt")
	cmd := exec.Command(strace, "-f", "-qq", "-s", "4096", "-o", trace,
		"-e", "trace=openat,open,fsync,fdatasync,close,rename,renameat,renameat2,link,linkat",
		os.Args[0], "-test.run=^$", "--", "import", "orders", abs(t, fixture("rejects.csv")), abs(t, fixture("basic.csv")),
		"--format", "kevel-csv", "--dest", dest, "--quiet", "--max-rejected", "none")
	cmd.Env = append(os.Environ(), "INGOT_TEST_CLI=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	f, err := os.Open(trace)
	require.NoError(t, err)
	defer f.Close()
	type call struct{ name, args string }
	pending := map[string]call{} // by pid: a call not finished yet
	fds := map[string]string{}   // fd -> path, while open
	synced := map[string]int{}   // path -> fsyncs completed
	var published []string       // "from -> to", in order
	var missing []string
	dirSyncsAfter := map[string]int{} // directory -> publishes into it not followed by its fsync yet
	atEntry := map[string]string{}    // pid -> path of an fsync in progress
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var pid, name, args, res string
		if m := resumedRE.FindStringSubmatch(line); m != nil {
			pid, name, res = m[1], m[2], m[3]
			c := pending[pid]
			delete(pending, pid)
			args = c.args
		} else if m := callRE.FindStringSubmatch(line); m != nil {
			pid, name, args, res = m[1], m[2], m[3], m[4]
			if res == "" && strings.HasSuffix(line, "<unfinished ...>") {
				pending[pid] = call{name, args}
				if name == "fsync" || name == "fdatasync" {
					atEntry[pid] = fds[strings.TrimSpace(args)]
				}
				continue
			}
		} else {
			continue
		}
		if res == "" || strings.HasPrefix(res, "-") {
			continue // failed calls change nothing
		}
		quoted := quotedRE.FindAllStringSubmatch(args, -1)
		switch name {
		case "openat", "open":
			if len(quoted) > 0 {
				fds[res] = filepath.Clean(quoted[0][1])
			}
		case "close":
			delete(fds, strings.TrimSpace(args))
		case "fsync", "fdatasync":
			p, ok := atEntry[pid]
			delete(atEntry, pid)
			if !ok {
				p = fds[strings.TrimSpace(args)]
			}
			synced[p]++
			dirSyncsAfter[p] = 0
		case "rename", "renameat", "renameat2", "link", "linkat":
			if len(quoted) < 2 {
				continue
			}
			from, to := filepath.Clean(quoted[0][1]), filepath.Clean(quoted[1][1])
			if !strings.HasPrefix(to, dest+string(filepath.Separator)) {
				continue
			}
			published = append(published, from+" -> "+to)
			if synced[from] == 0 {
				missing = append(missing, "not fsynced before it was published: "+from)
			}
			dirSyncsAfter[filepath.Dir(to)]++
		}
	}
	require.NoError(t, sc.Err())
	for d, n := range dirSyncsAfter {
		if n > 0 {
			missing = append(missing, strconv.Itoa(n)+" publish(es) into "+d+" with no fsync of the directory after")
		}
	}
	require.Empty(t, missing, "published:\n%s", strings.Join(published, "\n"))
	kinds := map[string]bool{}
	for _, p := range published {
		to := p[strings.Index(p, " -> ")+4:]
		switch {
		case strings.HasSuffix(to, ".parquet"):
			kinds["parquet"] = true
		case strings.Contains(to, "_ingot/log/"):
			kinds["manifest"] = true
		case strings.Contains(to, "_ingot/events/"):
			kinds["segment"] = true
		case strings.HasSuffix(to, "report.json"):
			kinds["report"] = true
		case strings.HasSuffix(to, "rejects.csv"):
			kinds["rejects"] = true
		}
	}
	require.Len(t, kinds, 5, "every kind of file was seen published: %v", kinds)
	t.Logf("%d publishes checked, each fsynced before and its directory after", len(published))
}
