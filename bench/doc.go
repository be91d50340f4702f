// Package bench generates synthetic e-commerce files for capacity tests
// and measures ingot end to end: rows/s, MB/s and peak memory per stage.
// Its Go benchmarks cover the reader and the full import; `ingot bench`
// runs the same harness from the command line. Figures measured here, with
// the machine they came from, are kept in bench/RESULTS.md. The kernels
// of job-spec transforms and customer mappings are benchmarked where they
// live, in package transform (BenchmarkKernels, BenchmarkTypedMap,
// BenchmarkRecord; 0 allocs/op per batch, checked by TestZeroAllocs), and
// their figures are in RESULTS.md too.
package bench
