package scan

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/report"
)

// benchUsers is the size of the synthetic export the benchmarks scan.
const benchUsers = 100_000

var benchData = sync.OnceValues(func() (*linking.Connections, []byte) {
	conns, export, _ := generatedTenant(&testing.B{}, benchUsers, 1)
	return conns, export
})

// benchLine is a typical line: a linked user with metadata.
const benchLine = `{"user_id":"auth0|63d1e0f5a2b4c6d8e0f1a2b3","email":"jane.doe@example.com","email_verified":true,"name":"Jane Doe","given_name":"Jane","family_name":"Doe","nickname":"jane.doe","picture":"https://s.gravatar.com/avatar/0f1e2d3c4b5a69788796a5b4c3d2e1f0?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png","created_at":"2021-03-02T09:12:44.123Z","updated_at":"2024-05-01T10:00:00.000Z","identities":[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"63d1e0f5a2b4c6d8e0f1a2b3","isSocial":false},{"connection":"google-oauth2","provider":"google-oauth2","user_id":109876543210987654321,"isSocial":true,"profileData":{"email":"Jane.Doe@Example.com","email_verified":true,"name":"Jane Doe","given_name":"Jane","family_name":"Doe","picture":"https://lh3.googleusercontent.com/a/x"}}],"user_metadata":{"preferred_language":"en","theme":"dark","newsletter":{"weekly":true,"topics":["security","product"]}},"app_metadata":{"plan":"pro","roles":["admin","billing"],"tenant_id":"t_12345"},"last_login":"2024-05-01T10:00:00.000Z","last_ip":"203.0.113.7","logins_count":41}`

func BenchmarkDecodeExportLine(b *testing.B) {
	conns := linking.NewConnections()
	line := []byte(benchLine)
	var a linking.Account
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeExportLine(line, &a, conns); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanExport scans gen.Generate's tenant of benchUsers users
// (full profiles, identities, metadata, a third in groups) as an NDJSON
// export, from the first byte to the classified report.
func BenchmarkScanExport(b *testing.B) {
	conns, data := benchData()
	b.Run("ndjson", func(b *testing.B) {
		benchScan(b, conns, int64(len(data)), func() io.Reader { return bytes.NewReader(data) })
	})
	gz := sync.OnceValue(func() *bytes.Buffer {
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(data)
		zw.Close()
		return &gz
	})
	b.Run("gzip", func(b *testing.B) {
		gz() // compressed outside the timed loop
		benchScan(b, conns, int64(len(data)), func() io.Reader {
			zr, err := gzip.NewReader(bytes.NewReader(gz().Bytes()))
			if err != nil {
				b.Fatal(err)
			}
			return zr
		})
	})
	// The baseline the gzip figure compares with: decompression alone.
	b.Run("gunzip-only", func(b *testing.B) {
		gz()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			zr, _ := gzip.NewReader(bytes.NewReader(gz().Bytes()))
			io.Copy(io.Discard, zr)
		}
	})
}

func benchScan(b *testing.B, conns *linking.Connections, size int64, open func() io.Reader) {
	b.SetBytes(size)
	b.ReportAllocs()
	users := 0
	for b.Loop() {
		s := New(conns, Options{})
		if err := s.ReadExport(open()); err != nil {
			b.Fatal(err)
		}
		r := s.Report(linking.ReportMeta{Method: linking.MethodExport})
		users += r.UsersScanned
	}
	b.ReportMetric(float64(users)/b.Elapsed().Seconds(), "users/s")
}

// exportFiles are generated users exports on disk, gzip NDJSON as Auth0
// hands them over, one per size, made once per test binary (outside the
// timed loop, and outside the heap the benchmark measures).
var (
	exportFilesMu sync.Mutex
	exportFiles   = map[int]exportFile{}
)

type exportFile struct {
	path  string
	conns *linking.Connections
	raw   int64 // NDJSON bytes
}

func benchExportFile(b *testing.B, users int) exportFile {
	b.Helper()
	if users >= 1_000_000 && testing.Short() {
		b.Skip("a million users: not with -short")
	}
	exportFilesMu.Lock()
	defer exportFilesMu.Unlock()
	if f, ok := exportFiles[users]; ok {
		return f
	}
	dir, err := os.MkdirTemp("", "linkdesk-bench-")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("users-%d.json.gz", users))
	var listed []client.Connection
	var line []byte
	var raw int64
	emulatortest.WriteGzip(b, path, kgzip.DefaultCompression, func(zw io.Writer) {
		gen.GenerateEach(gen.GenOptions{Users: users, Seed: 1}, func(c *emulator.Connection) {
			var lc client.Connection
			data, _ := json.Marshal(c)
			if err := json.Unmarshal(data, &lc); err != nil {
				b.Fatal(err)
			}
			listed = append(listed, lc)
		}, func(u *emulator.User) {
			line = append(u.AppendJSON(line[:0]), '\n')
			raw += int64(len(line))
			zw.Write(line)
		})
	})
	f := exportFile{path: path, conns: linking.ConnectionsFromClient(listed), raw: raw}
	exportFiles[users] = f
	return f
}

// BenchmarkScanExportFile is `linkdesk scan --from-export FILE --json`
// without the command line: a gzip NDJSON users export of emulator's tenant
// (full profiles, identities, metadata, a third in groups) read from disk,
// decompressed, every line decoded, every account grouped, every group
// classified, and the JSON report written. report-MB is the heap the
// finished report holds; gunzip-s is decompression alone on the same file,
// the bound the scan is held to. The peak memory of the whole command is
// measured by bench/run.
func BenchmarkScanExportFile(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			f := benchExportFile(b, n)
			b.SetBytes(f.raw)
			b.ReportAllocs()
			var gunzip time.Duration
			var held uint64
			for b.Loop() {
				b.StopTimer()
				start := time.Now()
				zr := openGzip(b, f.path)
				io.Copy(io.Discard, zr)
				gunzip += time.Since(start)
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				b.StartTimer()

				rep, err := ExportFile(context.Background(), openGzip(b, f.path), f.conns, Request{})
				if err != nil {
					b.Fatal(err)
				}
				if err := report.WriteJSON(io.Discard, rep); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				held = max(held, ms.HeapAlloc-min(ms.HeapAlloc, before.HeapAlloc))
				runtime.KeepAlive(rep)
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
			b.ReportMetric(gunzip.Seconds()/float64(b.N), "gunzip-s")
			b.ReportMetric(float64(held)/1e6, "report-MB")
		})
	}
}

func openGzip(b *testing.B, path string) io.Reader {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	zr, err := kgzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		b.Fatal(err)
	}
	return zr
}

// BenchmarkScanTenant is `linkdesk scan --json` of a whole sandbox tenant,
// end to end: connections, the export job and its polls, the gzip download
// over HTTP, the scan and the JSON report. api-calls is the Management API
// calls per scan (requests under /api/v2, as the tenant counted them): the
// same at every size but for the job polls, which follow how long the job
// runs (one per 5 s at most once it runs long). export-s is the time until
// the job completed and the download began.
func BenchmarkScanTenant(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			if n >= 1_000_000 && testing.Short() {
				b.Skip("a million users: not with -short")
			}
			srv, base := emulatortest.Start(b, emulator.Options{Tenant: gen.Generate(gen.GenOptions{Users: n, Seed: 1}), Rate: -1})
			tn, err := client.New(context.Background(), client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()})
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			calls := srv.Stats().APICalls
			var export time.Duration
			users := 0
			for b.Loop() {
				start := time.Now()
				downloading := false
				rep, err := Tenant(context.Background(), tn, Request{Progress: func(p Progress) {
					if p.Stage == "scan" && !downloading {
						downloading = true
						export += time.Since(start)
					}
				}})
				if err != nil {
					b.Fatal(err)
				}
				if err := report.WriteJSON(io.Discard, rep); err != nil {
					b.Fatal(err)
				}
				users += rep.UsersScanned
			}
			b.ReportMetric(float64(srv.Stats().APICalls-calls)/float64(b.N), "api-calls")
			b.ReportMetric(export.Seconds()/float64(b.N), "export-s")
			b.ReportMetric(float64(users)/b.Elapsed().Seconds(), "users/s")
		})
	}
}
