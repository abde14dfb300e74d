package cli

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
)

// asLinkdesk, set to 1 in its environment, makes this test binary run as the
// linkdesk command line: tests start linkdesk as another process (to kill
// it, resume it, or run two side by side) without building it first.
const asLinkdesk = "LINKDESK_TEST_AS_COMMAND"

// fileSizeLimit, set in its environment, caps the size of every file the
// linkdesk process writes (RLIMIT_FSIZE): a write past it fails as on a
// full disk, after writing what fits.
const fileSizeLimit = "LINKDESK_TEST_FSIZE"

func TestMain(m *testing.M) {
	if os.Getenv(asLinkdesk) == "1" {
		if v := os.Getenv(fileSizeLimit); v != "" {
			n, _ := strconv.ParseUint(v, 10, 64)
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "setrlimit:", err)
				os.Exit(99)
			}
		}
		os.Exit(run(os.Args[1:], osStreams()))
	}
	flag.Parse()
	if t := flag.Lookup("test.timeout"); t != nil && t.Value.String() == goTestTimeout.String() {
		t.Value.Set(processTestsTimeout.String())
	}
	os.Exit(m.Run())
}

// goTestTimeout is go test's default -timeout, and processTestsTimeout
// what this package's tests get in its place: they start linkdesk and its
// tenant as processes and wait on real latencies, rate limits and kills,
// and under -race on 2 cores beside the soak they took 8 of those 10
// minutes (CI, 2026-12-01; once past them). A -timeout given otherwise
// stands.
const goTestTimeout, processTestsTimeout = 10 * time.Minute, 25 * time.Minute

// linkdeskProcess is `linkdesk args…` as another process, with env added to
// this process's environment minus the tenant credentials (a test passes
// the ones it means).
func linkdeskProcess(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AUTH0_") && !strings.HasPrefix(kv, asLinkdesk+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, asLinkdesk+"=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// emulatorProcess is `linkdesk emulator` running as another process.
type emulatorProcess struct {
	cmd     *exec.Cmd
	exports map[string]string // AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET
	name    string            // what linkdesk names the tenant, from the line "# linkdesk names it: NAME"
	dump    string
	output  *lockedBuffer
	done    chan error
}

// startEmulatorProcess serves the fixture with `linkdesk emulator` and the
// extra flags (rate limit, faults) on a free port, and reads the export
// lines it prints. The test's end kills it if stop did not.
func startEmulatorProcess(t *testing.T, fixture string, extra ...string) *emulatorProcess {
	t.Helper()
	dump := t.TempDir() + "/emulator-dump.json"
	args := append([]string{"emulator", "--addr", "127.0.0.1:0", "--fixture", fixture, "--dump", dump}, extra...)
	cmd := linkdeskProcess(context.Background(), nil, args...)
	e := &emulatorProcess{cmd: cmd, exports: map[string]string{}, dump: dump, output: &lockedBuffer{}, done: make(chan error, 1)}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = e.output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-e.done
		}
	})
	sc := bufio.NewScanner(stdout)
	for e.exports["AUTH0_CLIENT_SECRET"] == "" && sc.Scan() {
		e.output.Write([]byte(sc.Text() + "\n"))
		if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			e.exports[k] = v
		}
		if name, ok := strings.CutPrefix(sc.Text(), "# linkdesk names it: "); ok {
			e.name = name
		}
	}
	go func() {
		io.Copy(e.output, stdout)
		e.done <- cmd.Wait()
	}()
	if e.exports["AUTH0_DOMAIN"] == "" || e.exports["AUTH0_CLIENT_SECRET"] == "" {
		cmd.Process.Kill()
		<-e.done
		t.Fatalf("linkdesk emulator printed no export lines:\n%s", e.output)
	}
	// Each run is a tenant of its own, named by its run: "sandbox RUN
	// (HOST:PORT)", the address being the one the export line gives.
	if want := " (" + e.address() + ")"; !strings.HasPrefix(e.name, "sandbox ") || !strings.HasSuffix(e.name, want) {
		cmd.Process.Kill()
		<-e.done
		t.Fatalf("linkdesk emulator did not say what linkdesk names it (sandbox RUN%s):\n%s", want, e.output)
	}
	return e
}

// env is what points linkdesk at the tenant.
func (e *emulatorProcess) env() []string {
	var out []string
	for _, k := range []string{"AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"} {
		out = append(out, k+"="+e.exports[k])
	}
	return out
}

// client is a client of the tenant of its own (another program, as far as
// linkdesk knows), to watch what the tenant holds.
func (e *emulatorProcess) client(t *testing.T) client.Tenant {
	t.Helper()
	tn, err := client.New(context.Background(), client.Config{Domain: e.exports["AUTH0_DOMAIN"],
		ClientID: e.exports["AUTH0_CLIENT_ID"], ClientSecret: e.exports["AUTH0_CLIENT_SECRET"]})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// tenantName is the tenant's name as linkdesk reports it: "sandbox RUN
// (HOST:PORT)", as the emulator printed it.
func (e *emulatorProcess) tenantName() string { return e.name }

// address is where the tenant is served (HOST:PORT), for --addr of another
// run at the same address.
func (e *emulatorProcess) address() string {
	return strings.TrimPrefix(e.exports["AUTH0_DOMAIN"], "http://")
}

// stop ends the emulator as an operator would (SIGTERM) and returns what it
// counted and the tenant it ended with.
func (e *emulatorProcess) stop(t *testing.T) (emulator.Stats, *emulator.Tenant) {
	t.Helper()
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-e.done:
		if err != nil {
			t.Fatalf("linkdesk emulator: %v\n%s", err, e.output)
		}
	case <-time.After(30 * time.Second):
		e.cmd.Process.Kill()
		<-e.done
		t.Fatalf("linkdesk emulator did not stop on SIGTERM\n%s", e.output)
	}
	st, tn, err := emulator.ReadDump(e.dump)
	if err != nil {
		t.Fatal(err)
	}
	return st, tn
}
