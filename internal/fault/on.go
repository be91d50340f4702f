//go:build ingotfault

package fault

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Enabled reports whether this is a fault build (the ingotfault tag).
const Enabled = true

// armed is the point and count INGOT_FAULT names, read once. A test
// build's only global state: the process has one environment.
var armed = sync.OnceValues(func() (string, int64) {
	v := os.Getenv(Env)
	if v == "" {
		return "", 0
	}
	name, n, ok := strings.Cut(v, ":")
	count := int64(1)
	if ok {
		c, err := strconv.ParseInt(n, 10, 64)
		if err != nil || c < 1 {
			os.Stderr.WriteString("ingot: " + Env + "=" + v + ": expected point or point:n with n >= 1\n")
			os.Exit(2)
		}
		count = c
	}
	return name, count
})

var hits atomic.Int64

// Hit kills the process with SIGKILL the n-th time it is called with the
// point INGOT_FAULT names; otherwise it does nothing.
func Hit(point string) {
	name, n := armed()
	if name != point || hits.Add(1) != n {
		return
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way; nothing more may happen
}
