package duck

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuoting(t *testing.T) {
	require.Equal(t, `"a ""b"""`, Ident(`a "b"`))
	require.Equal(t, `'it''s'`, Literal(`it's`))
}

func TestConnector(t *testing.T) {
	c, err := Connector(1, "256MB")
	require.NoError(t, err)
	db := sql.OpenDB(c)
	defer db.Close()
	var threads int64
	require.NoError(t, db.QueryRow("SELECT current_setting('threads')").Scan(&threads))
	require.Equal(t, int64(1), threads)
	var got string
	require.NoError(t, db.QueryRow("SELECT "+Literal(`it's`)+" AS "+Ident(`we"ird`)).Scan(&got))
	require.Equal(t, "it's", got)
}
