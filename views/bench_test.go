package views

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
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
