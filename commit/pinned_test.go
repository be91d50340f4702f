package commit

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPinned(t *testing.T) {
	log := []Manifest{
		{Version: 1, Kind: "orders", ImportID: "a"}, // an older build: pins nothing
		{Version: 2, Kind: "orders", ImportID: "b", Pinned: map[string]string{"hash_emails": "false", "order_id": "Name"}},
		{Version: 3, Kind: "customers", ImportID: "c", Pinned: map[string]string{"hash_emails": "true", "merge": "merge"}},
		{Version: 4, Kind: "orders", ImportID: "d", Pinned: map[string]string{"hash_emails": "true"}},
	}
	require.Equal(t, map[string]PinnedValue{
		"hash_emails": {Value: "true", Version: 4, ImportID: "d"}, // the newest that records it
		"order_id":    {Value: "Name", Version: 2, ImportID: "b"}, // v4 (kevel-csv, say) does not record it
	}, Pinned(log, "orders"))
	require.Equal(t, map[string]PinnedValue{
		"hash_emails": {Value: "true", Version: 3, ImportID: "c"},
		"merge":       {Value: "merge", Version: 3, ImportID: "c"},
	}, Pinned(log, "customers"))
	require.Empty(t, Pinned(log, "products"))
	require.Empty(t, Pinned(log[:1], "orders"))
}
