package views

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// benchGroups is the size issue 6 sets for the TUI: 100,000 groups.
const benchGroups = 100_000

// benchReport makes n groups of 2–4 accounts over the usual connections,
// every class represented, with reasons like the real ones.
func benchReport(n int) *linking.Report {
	first := []string{"alice", "bob", "carol", "dana", "erik", "fatima", "gus", "hana", "ivan", "jun", "kofi", "lena", "mateo", "nia", "omar", "priya"}
	last := []string{"smith", "nguyen", "garcia", "fischer", "okafor", "tanaka", "kowalski", "silva", "haddad", "jensen", "moreau", "rossi"}
	domains := []string{"gmail.com", "outlook.com", "acme.com", "yahoo.com", "icloud.com"}
	conns := [][2]string{
		{"Username-Password-Authentication", "auth0"}, {"google-oauth2", "google-oauth2"}, {"github", "github"},
		{"acme-corp", "samlp"}, {"family-accounts", "auth0"}, {"legacy-members", "auth0"},
	}
	created := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	rep := &linking.Report{Tenant: "bench.example", ScannedAt: fixedNow, Method: linking.MethodExport, UsersScanned: 3 * n, AccountsWithEmail: 3 * n}
	for i := range n {
		email := fmt.Sprintf("%s.%s%d@%s", first[i%len(first)], last[(i/len(first))%len(last)], i, domains[i%len(domains)])
		g := &linking.Group{Email: email, Class: linking.Classes[i%len(linking.Classes)], MissedByExtension: i%3 == 0}
		for k := range 2 + i%3 {
			c := conns[(i+k)%len(conns)]
			a := &linking.Account{
				UserID: fmt.Sprintf("%s|%024x", c[1], i*8+k), Connection: c[0], Provider: c[1], Strategy: c[1],
				Email: email, EmailVerified: k%4 != 3, Name: first[i%len(first)] + " " + last[k%len(last)],
				LoginsCount: int64(i%97 + k), CreatedAt: created.Add(time.Duration(i) * time.Minute), LastLogin: created.AddDate(1, 0, k),
				Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierEmail, Value: email},
			}
			g.Accounts = append(g.Accounts, a)
		}
		if g.Class == linking.ClassLinkCandidate || g.Class == linking.ClassNeedsVerification {
			g.RecommendedPrimary = g.Accounts[0].UserID
			g.PrimaryReasons = []string{g.RecommendedPrimary + ": verified email, 41 logins (most), created 2022-01-01 (oldest)",
				"chosen over " + g.Accounts[1].UserID + ": more logins (41 vs 2)"}
		}
		g.Reasons = []string{fmt.Sprintf("%d accounts on %s and %s; all emails verified", len(g.Accounts), g.Accounts[0].Connection, g.Accounts[1].Connection),
			"the newest account has logged in 3 times: the Account Link Extension runs at first login only and missed this duplicate for good"}
		rep.Groups = append(rep.Groups, g)
	}
	return rep
}

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
