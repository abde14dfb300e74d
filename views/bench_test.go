package views

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/klauspost/compress/gzip"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/tui"
)

// benchGroups is the size issue 6 sets for the TUI: 100,000 groups.
const benchGroups = 100_000

func benchHarness(b *testing.B) *harness {
	b.Helper()
	h := newHarness(b, harnessOpts{})
	h.m.LoadReport(benchReport(benchGroups))
	h.press("2")
	return h
}

// keystroke is what one key costs the program: Update, the commands it
// returns, and the View drawn after it.
func (h *harness) keystroke(k tea.KeyPressMsg) {
	h.send(k)
	_ = h.m.View()
}

// BenchmarkGroupsFilter types a filter one character at a time into the
// groups screen holding 100,000 groups (each keystroke refilters and
// redraws), clearing it with ctrl+u when the word is complete.
func BenchmarkGroupsFilter(b *testing.B) {
	h := benchHarness(b)
	h.press("/")
	word := "kowalski1"
	clear := keyPress("ctrl+u")
	keys := make([]tea.KeyPressMsg, 0, len(word)+1)
	for _, r := range word {
		keys = append(keys, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	keys = append(keys, clear)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h.keystroke(keys[i%len(keys)])
	}
}

// BenchmarkGroupsFilterFirstKey is the costliest filter keystroke: the
// first letter, which must look at every one of the 100,000 groups.
func BenchmarkGroupsFilterFirstKey(b *testing.B) {
	h := benchHarness(b)
	h.press("/")
	a, back := keyPress("z"), keyPress("backspace") // a letter few groups hold: every search text is read to its end
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			h.keystroke(a)
		} else {
			h.keystroke(back)
		}
	}
}

// BenchmarkGroupsView moves the cursor down one row and redraws the groups
// screen holding 100,000 groups.
func BenchmarkGroupsView(b *testing.B) {
	h := benchHarness(b)
	down, top := keyPress("j"), keyPress("g")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%5000 == 4999 {
			h.keystroke(top)
			continue
		}
		h.keystroke(down)
	}
}

// BenchmarkOpenGroup opens the group under the cursor (enter) among
// 100,000 and draws its detail; going back is not measured.
func BenchmarkOpenGroup(b *testing.B) {
	h := benchHarness(b)
	enter, esc, down := keyPress("enter"), keyPress("esc"), keyPress("j")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.keystroke(enter)
		b.StopTimer()
		if _, ok := h.active().(*Detail); !ok {
			b.Fatal("enter did not open the group")
		}
		h.send(esc)
		h.send(down)
		b.StartTimer()
	}
}

// BenchmarkTUIMemory1M holds the scan of a 1,000,000-user sandbox tenant in
// the terminal UI: emulator's generator streams the users export straight
// into the scanner (nothing else holds the users), the report is loaded
// into the root model, and the groups screen is opened and drawn.
// model-heap-MB is the heap the model and its report hold once collected;
// peak-rss-MB is the process's peak resident memory (VmHWM), the scan
// included.
func BenchmarkTUIMemory1M(b *testing.B) {
	if testing.Short() {
		b.Skip("a million users: not with -short")
	}
	h := newHarness(b, harnessOpts{})
	var heap float64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		conns, export := streamTenant(1_000_000)
		rep, err := scan.ExportFile(context.Background(), export, conns, scan.Request{})
		if err != nil {
			b.Fatal(err)
		}
		h.m.LoadReport(rep)
		h.press("2")
		_ = h.m.View()
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = float64(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc)) / 1e6
		b.StartTimer()
	}
	b.ReportMetric(heap, "model-heap-MB")
	b.ReportMetric(float64(peakRSS())/1e6, "peak-rss-MB")
}

// streamTenant generates a tenant of n users as an NDJSON users export read
// from the returned reader while it is written, so that nothing holds the
// users; the connections, as the tenant lists them, come first.
func streamTenant(n int) (*linking.Connections, io.Reader) {
	pr, pw := io.Pipe()
	connsReady := make(chan []client.Connection, 1)
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		var conns []client.Connection
		var line []byte
		gen.GenerateEach(gen.GenOptions{Users: n, Seed: 1}, func(c *emulator.Connection) {
			data, _ := json.Marshal(c)
			var lc client.Connection
			json.Unmarshal(data, &lc)
			conns = append(conns, lc)
		}, func(u *emulator.User) {
			if conns != nil {
				connsReady <- conns
				conns = nil
			}
			line = append(u.AppendJSON(line[:0]), '\n')
			bw.Write(line)
		})
		if conns != nil {
			connsReady <- conns // no users
		}
		pw.CloseWithError(bw.Flush())
	}()
	return linking.ConnectionsFromClient(<-connsReady), pr
}

// peakRSS is the process's peak resident memory in bytes (Linux), 0 when
// unknown.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}

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
