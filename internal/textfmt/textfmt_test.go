package textfmt

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {2514993, "2,514,993"},
		{-1, "-1"}, {-1000, "-1,000"}, {-123456, "-123,456"}, {100000, "100,000"},
	} {
		require.Equal(t, tc.want, Thousands(tc.n), "%d", tc.n)
	}
}
