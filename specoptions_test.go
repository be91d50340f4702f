package ingot

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSpecOptionsParity: every spec field that has a flag reaches
// ImportOptions, including those SpecOptions used to refuse (user_id,
// order_id, key, merge, on_ragged pad and truncate).
func TestSpecOptionsParity(t *testing.T) {
	tests := []struct {
		name, spec string
		want       func(o *ImportOptions)
	}{
		{"customers", "kind: customers\nformat: jsonl\nsource: {uri: c.jsonl}\nuser_id: {column: mail, type: email, hash: true}\nmerge: overwrite\non_ragged: pad\n",
			func(o *ImportOptions) {
				o.UserIDColumn, o.UserIDType, o.HashEmails, o.Merge, o.OnRagged = "mail", "email", true, "overwrite", "pad"
			}},
		{"customers, phone ids", "kind: customers\nsource: {uri: c.jsonl}\nformat: csv\nuser_id: {column: tel, type: phone}\non_ragged: truncate\n",
			func(o *ImportOptions) { o.UserIDColumn, o.UserIDType, o.OnRagged = "tel", "phone", "truncate" }},
		{"shopify", "kind: orders\nformat: shopify-csv\nsource: {uri: c.jsonl}\norder_id: Id\nhash_emails: true\n",
			func(o *ImportOptions) { o.OrderID, o.HashEmails = "Id", true }},
		{"products", "kind: products\nformat: csv\nsource: {uri: c.jsonl}\nkey: sku\nmerge: merge\n",
			func(o *ImportOptions) { o.KeyColumn, o.Merge = "sku", "merge" }},
		{"limits and stores", `kind: products
format: csv
source: {uri: c.jsonl}
max_record_bytes: 1000
max_field_bytes: 100
max_columns: 12
max_decompressed_bytes: 1_000_000
max_decompression_ratio: -1
batch_rows: 64
workers: 3
move_processed: true
allow_changed_options: true
s3_path_style: true
sftp_key: ./id_ed25519
known_hosts: ./known_hosts
`, func(o *ImportOptions) {
			o.MaxRecordBytes, o.MaxFieldBytes, o.MaxColumns, o.MaxDecompressedBytes, o.MaxDecompressionRatio = 1000, 100, 12, 1_000_000, -1
			o.BatchRows, o.Workers, o.MoveProcessed, o.AllowChangedOptions = 64, 3, true, true
			o.Stores.S3.PathStyle, o.Stores.SFTP.KeyFile, o.Stores.SFTP.KnownHosts = true, "./id_ed25519", "./known_hosts"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := loadSpec(t, tc.spec)
			got, err := SpecOptions(s, s.Imports[0])
			require.NoError(t, err)
			want := ImportOptions{Kind: got.Kind, Format: got.Format, Sources: []string{"c.jsonl"}}
			tc.want(&want)
			require.Equal(t, want, got)
			require.NoError(t, got.Validate())

			// The way back gives the same import, so spec print shows
			// exactly what runs.
			back, err := specImportOptions(specImport(s.Imports[0], got))
			require.NoError(t, err)
			require.Equal(t, got, back)
		})
	}
}
