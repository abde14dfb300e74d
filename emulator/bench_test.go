package emulator

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

var (
	benchTenantsMu sync.Mutex
	benchTenants   = map[int]*Tenant{}
)

// benchTenant is a generated tenant of n users, made once per size (the
// server never changes the users it is given, so servers can share it).
func benchTenant(b *testing.B, n int) *Tenant {
	if n >= 1_000_000 && testing.Short() {
		b.Skip("1M users: not with -short")
	}
	benchTenantsMu.Lock()
	defer benchTenantsMu.Unlock()
	if t := benchTenants[n]; t != nil {
		return t
	}
	t := GenerateForTest(n, 1)
	benchTenants[n] = t
	return t
}

func benchSizes(b *testing.B, fn func(b *testing.B, t *Tenant)) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) { fn(b, benchTenant(b, n)) })
	}
}

// BenchmarkExport is a whole users-export: job, file, download, gunzip;
// job-s/op is the server's part (until the job is complete).
func BenchmarkExport(b *testing.B) {
	benchSizes(b, func(b *testing.B, t *Tenant) {
		c := startTest(b, Options{Tenant: t})
		var jobTime time.Duration
		for b.Loop() {
			start := time.Now()
			var j jobAnswer
			c.call("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "json", "fields": []map[string]any{
				{"name": "user_id"}, {"name": "email"}, {"name": "email_verified"}, {"name": "username"},
				{"name": "phone_number"}, {"name": "name"}, {"name": "identities"}, {"name": "logins_count"},
				{"name": "last_login"}, {"name": "created_at"}, {"name": "updated_at"},
			}}, 200, &j)
			j = c.waitJob(j.ID)
			jobTime += time.Since(start)
			resp, zr := OpenExportForTest(b, http.DefaultClient, j.Location)
			n, err := io.Copy(io.Discard, zr)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n)/float64(len(t.Users)), "bytes/user")
		}
		b.ReportMetric(float64(len(t.Users))*float64(b.N)/b.Elapsed().Seconds(), "users/s")
		b.ReportMetric(jobTime.Seconds()/float64(b.N), "job-s/op")
	})
}

// BenchmarkSearch is one user search: a full scan, as the emulator's
// search is.
func BenchmarkSearch(b *testing.B) {
	benchSizes(b, func(b *testing.B, t *Tenant) {
		c := startTest(b, Options{Tenant: t})
		target := t.Users[len(t.Users)/2]
		for _, q := range []string{
			`email:"` + target.Email + `"`,
			`identities.user_id:"` + target.Identities[0].UserID.Value + `"`,
			`name:ma* AND logins_count:[2 TO *]`,
		} {
			b.Run(q[:min(len(q), 20)], func(b *testing.B) {
				path := searchPath(q, "include_totals", "true")
				for b.Loop() {
					c.call("GET", path, nil, 200, nil)
				}
			})
		}
	})
}

// BenchmarkNew is loading a tenant into a server.
func BenchmarkNew(b *testing.B) {
	benchSizes(b, func(b *testing.B, t *Tenant) {
		for b.Loop() {
			s, err := New(Options{Tenant: t})
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
}
