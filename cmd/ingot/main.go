// Command ingot imports offline e-commerce files into a warehouse of
// partitioned Parquet tables and an event log. It only maps flags onto
// the library (package ingot) and results onto exit codes:
//
//	0  completed (rejected records allowed, unless --max-rejected is exceeded)
//	3  completed, but some files failed (the others were committed)
//	1  failed, nothing committed
//	2  bad usage or spec
//	130 cancelled (Ctrl-C, SIGTERM): nothing committed
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"ingot"
	"ingot/version"
)

// Exit codes (design section 5).
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitPartial  = 3
	exitCanceled = 130
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// globals are the flags every command has.
type globals struct {
	logLevel   string
	logFormat  string
	cpuProfile string
	memProfile string
	memAfter   time.Duration
	args       []string // the command line, without the program name
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
}

func (g *globals) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: expected debug, info, warn or error, found %q", g.logLevel)
	}
	opt := &slog.HandlerOptions{Level: lvl}
	switch g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(g.stderr, opt)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(g.stderr, opt)), nil
	}
	return nil, fmt.Errorf("--log-format: expected text or json, found %q", g.logFormat)
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{args: args, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "ingot",
		Short: "Import offline e-commerce files into partitioned Parquet and an event log",
		Long: `ingot imports orders (and later customers, products and events) from CSV files
into a warehouse of Hive-partitioned Parquet tables with an event log,
validating every row and reporting what it did.

Exit codes: 0 completed, 3 completed but some files failed,
1 failed (nothing committed), 2 bad usage or spec, 130 cancelled (nothing
committed).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.PersistentFlags().StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile to this file (for performance work)")
	root.PersistentFlags().StringVar(&g.memProfile, "memprofile", "", "write a heap profile to this file, --memprofile-after into the run")
	root.PersistentFlags().DurationVar(&g.memAfter, "memprofile-after", 5*time.Second, "when to take the heap profile")
	for _, f := range []string{"cpuprofile", "memprofile", "memprofile-after"} {
		_ = root.PersistentFlags().MarkHidden(f)
	}
	root.Version = version.Get().String()
	root.SetVersionTemplate("ingot {{.Version}}\n")
	root.AddCommand(importCmd(g), scheduleCmd(g), logCmd(g), sqlCmd(g), serveCmd(g), genCmd(g), benchCmd(g), versionCmd(g), repairCmd(g), vacuumCmd(g),
		validateCmd(g), previewCmd(g), specCmd(g), mappingCmd(g), sniffCmd(g))
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if g.memProfile != "" {
			time.AfterFunc(g.memAfter, func() {
				if f, err := os.Create(g.memProfile); err == nil {
					_ = pprof.WriteHeapProfile(f)
					f.Close()
				}
			})
		}
		if g.cpuProfile == "" {
			return nil
		}
		f, err := os.Create(g.cpuProfile)
		if err != nil {
			return err
		}
		return pprof.StartCPUProfile(f)
	}
	err := root.ExecuteContext(ctx)
	if g.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "ingot:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "ingot:", err)
	var ue *ingot.UsageError
	switch {
	case errors.Is(err, context.Canceled):
		return exitCanceled
	case errors.As(err, &ue), isFlagError(err):
		return exitUsage
	}
	return exitFailed
}

// isFlagError recognises cobra's and pflag's usage errors.
func isFlagError(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "unknown command", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "required flag"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func usage(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}
