package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"ingot/commit"
)

func sqlCmd(g *globals) *cobra.Command {
	var (
		dest    string
		command string
	)
	c := &cobra.Command{
		Use:   "sql",
		Short: "Query the committed tables with DuckDB",
		Long: `Query the warehouse with DuckDB. Views: orders and line_items hold the current
state (per order, its row of the newest commit, and that import's line items);
orders_history and line_items_history hold every committed row with its version.
Without -c, statements are read from standard input, separated by semicolons.`,
		Example: `  ingot sql --dest ./warehouse -c "SELECT created_month, count(*), sum(total) FROM orders GROUP BY 1 ORDER BY 1"
  echo "SELECT status, count(*) FROM line_items GROUP BY 1;" | ingot sql --dest ./warehouse`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openExisting(dest)
			if err != nil {
				return err
			}
			log, err := readLogWarn(cmd.Context(), st, g)
			if err != nil {
				return err
			}
			db, err := commit.OpenSQLWithLog(cmd.Context(), st, log)
			if err != nil {
				return err
			}
			defer db.Close()
			if command != "" {
				return query(cmd.Context(), db, command, g.stdout)
			}
			return queryStream(cmd.Context(), db, g.stdin, g.stdout)
		},
	}
	c.Flags().StringVar(&dest, "dest", "./warehouse", "warehouse directory")
	c.Flags().StringVarP(&command, "command", "c", "", "SQL to run (default: read statements from stdin)")
	return c
}

// queryStream runs the ;-separated statements read from r.
func queryStream(ctx context.Context, db *sql.DB, r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var stmt strings.Builder
	for sc.Scan() {
		stmt.WriteString(sc.Text())
		stmt.WriteByte('\n')
		if s := strings.TrimSpace(stmt.String()); strings.HasSuffix(s, ";") {
			if err := query(ctx, db, s, w); err != nil {
				return err
			}
			stmt.Reset()
		}
	}
	if s := strings.TrimSpace(stmt.String()); s != "" {
		return query(ctx, db, s, w)
	}
	return sc.Err()
}

// query runs one statement and prints its rows as an aligned table.
func query(ctx context.Context, db *sql.DB, q string, w io.Writer) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = cell(v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return tw.Flush()
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	s := fmt.Sprint(v)
	return strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
