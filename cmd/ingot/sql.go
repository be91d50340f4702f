package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"ingot/commit"
)

func sqlCmd(g *globals) *cobra.Command {
	var (
		dest      string
		pathStyle bool
		command   string
		format    string
	)
	c := &cobra.Command{
		Use:   "sql",
		Short: "Query the committed tables with DuckDB",
		Long: `Query the warehouse with DuckDB. Views: orders and line_items hold the current
state (per order, its row of the newest commit, and that import's line items);
orders_history and line_items_history hold every committed row with its version.
customers and products hold the current customers (per user_id_type and
user_id) and products (per product_id), their attributes already merged as
JSON text; customers_history and products_history every committed row.
events holds the current events (per event_key: the event's id, or the
fingerprint of its content) with their event_date partition; events_history
every committed row.

Statements are separated by semicolons; the result of every statement is
printed. Without -c they are read from standard input, or, on a terminal,
typed at a prompt with line editing and history (~/.ingot_sql_history).

Output formats (--format): table (aligned, the default on a terminal), csv
(the default otherwise), json (one array per statement), jsonl (one object
per row), markdown. Values are printed as DuckDB prints them: lists as
[a, b], timestamps as 2020-09-16 09:38:06+00, decimals exactly.`,
		Example: `  ingot sql --dest ./warehouse -c "SELECT created_month, count(*), sum(total) FROM orders GROUP BY 1 ORDER BY 1"
  ingot sql -c "SELECT count(*) FROM orders; SELECT count(*) FROM line_items" --format json
  echo "SELECT status, count(*) FROM line_items GROUP BY 1;" | ingot sql --dest ./warehouse`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			outTerm := isTerminal(g.stdout)
			if format == "" {
				format = "csv"
				if outTerm {
					format = "table"
				}
			}
			pr, ok := printers[format]
			if !ok {
				return usage("--format: expected table, csv, json, jsonl or markdown, found %q", format)
			}
			st, done, err := openWarehouseRead(cmd.Context(), dest, pathStyle, true)
			if err != nil {
				return err
			}
			defer done()
			log, err := readLogWarn(cmd.Context(), st, g)
			if err != nil {
				return err
			}
			db, err := commit.OpenSQLWithLog(cmd.Context(), st, log)
			if err != nil {
				return err
			}
			defer db.Close()
			s := &sqlSession{db: db, w: g.stdout, print: pr}
			switch {
			case command != "":
				return s.run(cmd.Context(), command)
			case isTerminal(g.stdin) && outTerm:
				return s.interactive(cmd.Context(), g.stderr)
			default:
				return s.stream(cmd.Context(), g.stdin)
			}
		},
	}
	c.Flags().StringVar(&dest, "dest", "./warehouse", "warehouse directory or s3://bucket/prefix")
	c.Flags().BoolVar(&pathStyle, "s3-path-style", false, "address S3 buckets by path (automatic for an IP or localhost endpoint)")
	c.Flags().StringVarP(&command, "command", "c", "", "SQL to run, statements separated by ; (default: read from stdin)")
	c.Flags().StringVar(&format, "format", "", "output: table, csv, json, jsonl or markdown (default table on a terminal, csv otherwise)")
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "csv", "json", "jsonl", "markdown"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// isTerminal reports whether f is an *os.File attached to a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// sqlSession runs statements against one connection and prints their
// results.
type sqlSession struct {
	db    *sql.DB
	w     io.Writer
	print printer
}

// run executes every statement of text and prints each result.
func (s *sqlSession) run(ctx context.Context, text string) error {
	for _, q := range splitStatements(text) {
		if err := s.query(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// stream reads statements from r and runs each once its terminating
// semicolon (outside quotes and comments) has been read.
func (s *sqlSession) stream(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var pending strings.Builder
	for sc.Scan() {
		pending.WriteString(sc.Text())
		pending.WriteByte('\n')
		stmts, rest := completeStatements(pending.String())
		for _, q := range stmts {
			if err := s.query(ctx, q); err != nil {
				return err
			}
		}
		pending.Reset()
		pending.WriteString(rest)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return s.run(ctx, pending.String())
}

// interactive reads statements at a prompt with line editing and history;
// an error is printed and the session goes on. Ctrl-D ends it.
func (s *sqlSession) interactive(ctx context.Context, stderr io.Writer) error {
	cfg := &readline.Config{Prompt: "ingot> ", Stderr: stderr, InterruptPrompt: "^C", EOFPrompt: "exit"}
	if home, err := os.UserHomeDir(); err == nil {
		cfg.HistoryFile = filepath.Join(home, ".ingot_sql_history")
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return err
	}
	defer rl.Close()
	fmt.Fprintln(stderr, "DuckDB over the warehouse; statements end with ;  Ctrl-D quits.")
	var pending strings.Builder
	for {
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			pending.Reset()
			rl.SetPrompt("ingot> ")
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		pending.WriteString(line)
		pending.WriteByte('\n')
		stmts, rest := completeStatements(pending.String())
		for _, q := range stmts {
			if err := s.query(ctx, q); err != nil {
				fmt.Fprintln(stderr, "error:", err)
			}
		}
		pending.Reset()
		pending.WriteString(rest)
		if strings.TrimSpace(rest) == "" {
			pending.Reset()
			rl.SetPrompt("ingot> ")
		} else {
			rl.SetPrompt("   ...> ")
		}
	}
}

// query runs one statement and prints its result.
func (s *sqlSession) query(ctx context.Context, q string) error {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	res := &result{}
	for _, t := range types {
		res.cols = append(res.cols, t.Name())
		res.types = append(res.types, t.DatabaseTypeName())
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := make([]any, len(vals))
		copy(row, vals)
		res.rows = append(res.rows, row)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return s.print(s.w, res)
}

// splitStatements splits text at the semicolons that end statements (not
// those inside quotes or comments) and drops empty statements.
func splitStatements(text string) []string {
	stmts, rest := completeStatements(text)
	if strings.TrimSpace(rest) != "" {
		stmts = append(stmts, strings.TrimSpace(rest))
	}
	return stmts
}

// completeStatements returns the statements of text that are terminated
// by a semicolon, and the unterminated rest. Single-quoted strings,
// double-quoted identifiers, -- line comments and /* */ block comments are
// skipped over, so that a semicolon inside them ends nothing.
func completeStatements(text string) (stmts []string, rest string) {
	start := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(text) {
				if text[j] == c {
					if j+1 < len(text) && text[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(text) {
				return stmts, text[start:] // unterminated: wait for more
			}
			i = j
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			nl := strings.IndexByte(text[i:], '\n')
			if nl < 0 {
				i = len(text)
			} else {
				i += nl
			}
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return stmts, text[start:]
			}
			i += 2 + end + 1
		case c == ';':
			if q := strings.TrimSpace(text[start:i]); q != "" && !onlyComments(q) {
				stmts = append(stmts, q)
			}
			start = i + 1
		}
	}
	if onlyComments(strings.TrimSpace(text[start:])) {
		return stmts, ""
	}
	return stmts, text[start:]
}

// onlyComments reports whether q holds nothing but comments and space.
func onlyComments(q string) bool {
	for q = strings.TrimSpace(q); q != ""; q = strings.TrimSpace(q) {
		switch {
		case strings.HasPrefix(q, "--"):
			nl := strings.IndexByte(q, '\n')
			if nl < 0 {
				return true
			}
			q = q[nl:]
		case strings.HasPrefix(q, "/*"):
			end := strings.Index(q, "*/")
			if end < 0 {
				return false
			}
			q = q[end+2:]
		default:
			return false
		}
	}
	return true
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
