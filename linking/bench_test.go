package linking

import (
	"bytes"
	"compress/gzip"
	"io"
	"sync"
	"testing"
)

// benchUsers is the size of the synthetic export the benchmarks scan.
const benchUsers = 100_000

var benchData = sync.OnceValues(func() (*Connections, []byte) {
	conns, export, _ := generatedTenant(&testing.B{}, benchUsers, 1)
	return conns, export
})

// benchLine is a typical line: a linked user with metadata.
const benchLine = `{"user_id":"auth0|63d1e0f5a2b4c6d8e0f1a2b3","email":"jane.doe@example.com","email_verified":true,"name":"Jane Doe","given_name":"Jane","family_name":"Doe","nickname":"jane.doe","picture":"https://s.gravatar.com/avatar/0f1e2d3c4b5a69788796a5b4c3d2e1f0?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png","created_at":"2021-03-02T09:12:44.123Z","updated_at":"2024-05-01T10:00:00.000Z","identities":[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"63d1e0f5a2b4c6d8e0f1a2b3","isSocial":false},{"connection":"google-oauth2","provider":"google-oauth2","user_id":109876543210987654321,"isSocial":true,"profileData":{"email":"Jane.Doe@Example.com","email_verified":true,"name":"Jane Doe","given_name":"Jane","family_name":"Doe","picture":"https://lh3.googleusercontent.com/a/x"}}],"user_metadata":{"preferred_language":"en","theme":"dark","newsletter":{"weekly":true,"topics":["security","product"]}},"app_metadata":{"plan":"pro","roles":["admin","billing"],"tenant_id":"t_12345"},"last_login":"2024-05-01T10:00:00.000Z","last_ip":"203.0.113.7","logins_count":41}`

func BenchmarkDecodeExportLine(b *testing.B) {
	conns := NewConnections()
	line := []byte(benchLine)
	var a Account
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeExportLine(line, &a, conns); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanExport scans emulator.Generate's tenant of benchUsers users
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

func benchScan(b *testing.B, conns *Connections, size int64, open func() io.Reader) {
	b.SetBytes(size)
	b.ReportAllocs()
	users := 0
	for b.Loop() {
		s := NewScanner(conns, ScanOptions{})
		if err := s.ReadExport(open()); err != nil {
			b.Fatal(err)
		}
		r := s.Report(ReportMeta{Method: MethodExport})
		users += r.UsersScanned
	}
	b.ReportMetric(float64(users)/b.Elapsed().Seconds(), "users/s")
}
