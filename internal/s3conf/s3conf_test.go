package s3conf

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	ctx := context.Background()
	for _, c := range []struct {
		name          string
		opt           Options
		envS3, envAll string
		wantEndpoint  string
		wantPathStyle bool
		wantRegion    string
	}{
		{"aws", Options{}, "", "", "", false, "us-east-1"},
		{"forced path style", Options{PathStyle: true, Region: "eu-west-1"}, "", "", "", true, "eu-west-1"},
		{"service endpoint wins", Options{}, "http://127.0.0.1:9000", "https://s3.example.com", "http://127.0.0.1:9000", true, "us-east-1"},
		{"general endpoint", Options{}, "", "https://s3.example.com", "https://s3.example.com", false, "us-east-1"},
		{"option wins", Options{Endpoint: "http://localhost:9000"}, "https://a.example.com", "", "http://localhost:9000", true, "us-east-1"},
		{"ipv6", Options{Endpoint: "http://[::1]:9000"}, "", "", "http://[::1]:9000", true, "us-east-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_S3", c.envS3)
			t.Setenv("AWS_ENDPOINT_URL", c.envAll)
			cl, err := New(ctx, c.opt)
			require.NoError(t, err)
			o := cl.Options()
			require.Equal(t, c.wantEndpoint, aws.ToString(o.BaseEndpoint))
			require.Equal(t, c.wantPathStyle, o.UsePathStyle)
			require.Equal(t, c.wantRegion, o.Region)
			require.Equal(t, aws.RequestChecksumCalculationWhenRequired, o.RequestChecksumCalculation)
			require.Equal(t, aws.ResponseChecksumValidationWhenRequired, o.ResponseChecksumValidation)
			require.Equal(t, 5, o.Retryer.MaxAttempts())
			bc, ok := o.HTTPClient.(*awshttp.BuildableClient)
			require.True(t, ok, "%T", o.HTTPClient)
			d, set := bc.GetReadTimeout()
			require.True(t, set, "a stalled server must not hang an import")
			require.Equal(t, DefaultReadTimeout, d)
		})
	}
	_, err := New(ctx, Options{Endpoint: "127.0.0.1:9000"})
	require.ErrorContains(t, err, "expected a URL")
}

func TestParseURI(t *testing.T) {
	for _, c := range []struct{ in, bucket, key, err string }{
		{"s3://b/k/x.csv", "b", "k/x.csv", ""},
		{"s3://b", "b", "", ""},
		{"S3://b/p/", "b", "p/", ""},
		{"s3:///k", "", "", "no bucket"},
		{"http://b/k", "", "", "expected s3://bucket/key"},
		{"s3://AKIA:secret@b/k", "", "", "credentials never go in an s3 URI"},
	} {
		b, k, err := ParseURI(c.in)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.in)
			require.NotContains(t, err.Error(), "secret")
			continue
		}
		require.NoError(t, err, c.in)
		require.Equal(t, c.bucket, b)
		require.Equal(t, c.key, k)
	}
}
