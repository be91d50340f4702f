package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"ingot/serve"
)

func serveCmd(g *globals) *cobra.Command {
	var dest, addr string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve a read-only web view of a warehouse: imports, reports, tables, events",
		Long: `serve shows a warehouse in a browser: the imports newest first (committed,
failed, cancelled and dry runs whose reports are in the warehouse), each
import's report.html and rejects, the tables with their partitions, and the
event log's counts by type. It only reads, and listens on 127.0.0.1 unless
--addr says otherwise. Stop it with Ctrl-C.`,
		Example: `  ingot serve --dest ./warehouse
  ingot serve --dest ./warehouse --addr 127.0.0.1:9000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !isDir(dest) {
				return usage("--dest %s: no warehouse there (nothing has been imported into it)", dest)
			}
			logger, err := g.logger()
			if err != nil {
				return usage("%v", err)
			}
			return serve.Run(cmd.Context(), serve.Options{Dest: dest, Addr: addr, Logger: logger,
				Ready: func(url string) {
					fmt.Fprintf(g.stderr, "ingot: serving %s at %s (read-only; Ctrl-C stops)\n", dest, url)
				}})
		},
	}
	c.Flags().StringVar(&dest, "dest", "./warehouse", "warehouse directory")
	c.Flags().StringVar(&addr, "addr", serve.DefaultAddr, "address to listen on")
	return c
}
