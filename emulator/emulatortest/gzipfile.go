package emulatortest

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// WriteGzip writes the file at path (mode 0600, created or truncated) as
// one gzip stream at level of what fill writes, through a 1 MiB buffer:
// a users export as Auth0 hands it over, for benchmarks that need a large
// one on disk.
func WriteGzip(tb testing.TB, path string, level int, fill func(w io.Writer)) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, level)
	if err != nil {
		tb.Fatal(err)
	}
	fill(zw)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}
