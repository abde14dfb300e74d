package views

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/klauspost/compress/gzip"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/tui"
)

// BenchmarkTUISnapshot1M opens the terminal UI on a tenant whose snapshot
// holds 1,000,000 users (emulator's generator, the fields linkdesk's export
// job asks for, as a full scan keeps them): from the scan's start to
// the groups screen drawn from the snapshot, while the scan would go on
// bringing it up to date. first-screen-s is that time; keystroke-ms is a
// filter keystroke on that screen (the first letters, which read every
// group); peak-rss-MB is the process's peak resident memory from the scan's
// start to the last keystroke.
func BenchmarkTUISnapshot1M(b *testing.B) {
	if testing.Short() {
		b.Skip("a million users: not with -short")
	}
	h := newHarness(b, harnessOpts{tenant: true})
	s := h.c.Backend.Session
	// The scan the UI starts brings the snapshot up to date (here: exports
	// the sandbox's own few users as a new one), so each run starts from a
	// copy of the million-user one.
	dir, kept := s.SnapshotDir(), filepath.Join(b.TempDir(), "snapshot")
	writeSnapshot(b, kept, s.Name, 1_000_000) // of the tenant by its name, as a scan keeps it
	var first, keys time.Duration
	var typed int
	var rss int64
	var rest tea.Cmd // the scan's events after the snapshot
	for b.Loop() {
		b.StopTimer()
		for rest != nil { // the previous run's scan, to its end
			switch e := rest().(type) {
			case tui.ScanProgressMsg:
				rest = e.Next()
			default:
				h.m.Update(e)
				rest = nil
			}
		}
		copySnapshot(b, kept, dir)
		debug.FreeOSMemory() // what the snapshot's writing left is not the UI's
		resetPeakRSS()
		b.StartTimer()
		start := time.Now()
		_, cmd := h.m.Update(keyPress("r"))
		msg := cmd()
		snap, ok := msg.(tui.ScanSnapshotMsg)
		if !ok {
			b.Fatalf("the scan's first event is %T, want the snapshot", msg)
		}
		h.m.Update(snap)
		rest = snap.Next()
		h.press("2")
		_ = h.m.View()
		first += time.Since(start)
		h.press("/")
		for _, r := range "ali" {
			start := time.Now()
			h.keystroke(tea.KeyPressMsg{Code: r, Text: string(r)})
			keys += time.Since(start)
			typed++
		}
		h.press("esc")
		rss = max(rss, peakRSS())
	}
	b.ReportMetric(first.Seconds()/float64(b.N), "first-screen-s")
	b.ReportMetric(float64(keys.Microseconds())/1e3/float64(typed), "keystroke-ms")
	b.ReportMetric(float64(rss)/1e6, "peak-rss-MB")
}

// writeSnapshot makes dir the snapshot of tenant: n generated users as the
// gzip users export of client.DefaultExportFields (the base), taken now.
func writeSnapshot(b *testing.B, dir, tenant string, n int) {
	b.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	type exportLine struct {
		UserID        string              `json:"user_id"`
		Email         string              `json:"email,omitempty"`
		EmailVerified *bool               `json:"email_verified,omitempty"`
		Username      string              `json:"username,omitempty"`
		PhoneNumber   string              `json:"phone_number,omitempty"`
		Name          string              `json:"name,omitempty"`
		Identities    []emulator.Identity `json:"identities"`
		LoginsCount   int64               `json:"logins_count,omitempty"`
		LastLogin     string              `json:"last_login,omitempty"`
		CreatedAt     string              `json:"created_at"`
		UpdatedAt     string              `json:"updated_at"`
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	emails := 0 // as a scan keeping the snapshot counts them
	emulatortest.WriteGzip(b, filepath.Join(dir, "base-1.json.gz"), gzip.BestSpeed, func(zw io.Writer) {
		enc := json.NewEncoder(zw)
		enc.SetEscapeHTML(false)
		gen.GenerateEach(gen.GenOptions{Users: n, Seed: 1}, nil, func(u *emulator.User) {
			if u.Email != "" {
				emails++
			}
			l := exportLine{UserID: u.UserID, Email: u.Email, Username: u.Username, PhoneNumber: u.PhoneNumber, Name: u.Name,
				Identities: u.Identities, LoginsCount: u.LoginsCount, LastLogin: stamp(u.LastLogin), CreatedAt: stamp(u.CreatedAt), UpdatedAt: stamp(u.UpdatedAt)}
			if u.EmailVerified != emulator.FlagUnset {
				v := u.EmailVerified == emulator.FlagTrue
				l.EmailVerified = &v
			}
			if err := enc.Encode(l); err != nil {
				b.Fatal(err)
			}
		})
	})
	now := time.Now().UTC()
	state, _ := json.Marshal(scan.SnapshotState{Version: scan.SnapshotVersion, Tenant: tenant, Base: "base-1.json.gz", BaseAt: now, SyncedAt: now, Emails: emails})
	if err := os.WriteFile(filepath.Join(dir, "state.json"), state, 0o600); err != nil {
		b.Fatal(err)
	}
}

// copySnapshot makes dst a copy of the snapshot directory src (its files
// linked, not copied).
func copySnapshot(b *testing.B, src, dst string) {
	b.Helper()
	if err := os.RemoveAll(dst); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"base-1.json.gz", "state.json"} {
		if err := os.Link(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
			b.Fatal(err)
		}
	}
}

// resetPeakRSS starts the process's peak resident memory (VmHWM) again
// from what it holds now (Linux; elsewhere nothing happens).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
