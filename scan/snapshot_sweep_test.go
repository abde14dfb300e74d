//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package scan

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/linking"
)

// writerDirEnv makes the test binary a scan downloading a base into the
// snapshot directory it names, which never ends: it prints the temporary
// file's name and waits to be killed.
const writerDirEnv = "LINKDESK_TEST_SNAPSHOT_WRITER"

// startWriter starts a process downloading a base into dir and returns it
// with its temporary file.
func startWriter(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTempFilesOfKilledScansAreSwept$")
	cmd.Env = append(os.Environ(), writerDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the writer process: %v", err)
	}
	return cmd, strings.TrimSpace(line)
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Kill() // SIGKILL: nothing of the process runs after it
	cmd.Wait()
}

// temps lists the temporary files of dir.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestTempFilesOfKilledScansAreSwept: three scans killed (kill -9) while
// they download a base leave their temporary files; the next scan that
// writes the snapshot removes them, but not the one another process is
// writing now (its lock is held, however old the file), nor one made just
// now (not locked yet). Once that process is killed too, the next scan
// removes its file.
func TestTempFilesOfKilledScansAreSwept(t *testing.T) {
	if dir := os.Getenv(writerDirEnv); dir != "" {
		w, err := newSnapshotWriter(dir)
		if err != nil {
			os.Exit(2)
		}
		w.copy.Write([]byte("a download under way"))
		os.Stdout.WriteString(filepath.Base(w.copy.File.Name()) + "\n")
		time.Sleep(time.Hour)
		os.Exit(0)
	}
	s := newSandbox(t, 2000, 34)
	old := time.Now().Add(-2 * staleTemp)
	var killed []string
	for range 3 {
		cmd, name := startWriter(t, s.dir)
		kill(t, cmd)
		killed = append(killed, name)
	}
	live, liveName := startWriter(t, s.dir)
	for _, n := range append(slices.Clone(killed), liveName) {
		if err := os.Chtimes(filepath.Join(s.dir, n), old, old); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(s.dir, "base-0.json.gz.tmp")
	if err := os.WriteFile(fresh, []byte("just made"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := temps(t, s.dir); len(got) != 5 {
		t.Fatalf("temporary files before the scan: %v", got)
	}

	s.scan(linking.MethodExport)
	got := temps(t, s.dir)
	slices.Sort(got)
	want := []string{filepath.Base(fresh), liveName}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after a full scan the snapshot directory holds the temporary files %v, want %v (the killed scans' %v removed)", got, want, killed)
	}

	kill(t, live)
	s.scan(linking.MethodIncremental)
	if got := temps(t, s.dir); !slices.Equal(got, []string{filepath.Base(fresh)}) {
		t.Errorf("after the writer was killed, an incremental scan left %v, want only %s", got, filepath.Base(fresh))
	}
	if _, err := OpenSnapshot(s.dir, s.tn.Domain()); err != nil {
		t.Errorf("the snapshot after the sweeps: %v", err)
	}
}
