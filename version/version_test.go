package version

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGet(t *testing.T) {
	in := Get()
	require.Equal(t, runtime.Version(), in.Go)
	require.NotEmpty(t, in.Version)
	require.True(t, strings.HasPrefix(CreatedBy(), "ingot version "+in.Version+" (build "), CreatedBy())
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		in   Info
		want string
	}{
		{Info{Version: "v1.2.0"}, "v1.2.0"},
		{Info{Version: "(devel)", Commit: "0123456789abcdef0123"}, "(devel) 0123456789ab"},
		{Info{Version: "(devel)", Commit: "0123456789abcdef0123+dirty"}, "(devel) 0123456789ab+dirty"},
		{Info{Version: "(devel)", Commit: "abc"}, "(devel) abc"},
	} {
		require.Equal(t, tc.want, tc.in.String())
	}
}
