package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal: the side a test types on (master) and
// the terminal a process reads (its stdin).
func openPTY(t *testing.T) (master, terminal *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Skipf("unlockpt: %v", errno)
	}
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Skipf("ptsname: %v", errno)
	}
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { terminal.Close() })
	return master, terminal
}

// Ctrl-C typed on the terminal at a write's question ends linkdesk at
// once (exit 1, "Interrupted: nothing was changed."), for delete's typed
// user id and apply's [y/N] alike; nothing reaches the tenant. Before,
// the terminal echoed ^C and linkdesk kept waiting for the line.
func TestCtrlCAtAWritesQuestionEndsTheProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("processes")
	}
	emu, env, planFile := alicesPlanOnAProcess(t)
	for _, tc := range []struct {
		args     []string
		question string
	}{
		{[]string{"delete", cmdSam}, " or its user id to confirm: "},
		{[]string{"apply", planFile}, "[y/N] "},
	} {
		master, terminal := openPTY(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		cmd := linkdeskProcess(ctx, env, tc.args...)
		out, errOut := &lockedBuffer{}, &lockedBuffer{}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = terminal, out, errOut
		// Its own session, the terminal its controlling one: Ctrl-C typed
		// on it interrupts linkdesk as it does in a shell.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		go func() { // what the terminal echoes
			buf := make([]byte, 1024)
			for {
				if _, err := master.Read(buf); err != nil {
					return
				}
			}
		}()
		for deadline := time.Now().Add(30 * time.Second); !strings.HasSuffix(errOut.String(), tc.question); {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				cancel()
				t.Fatalf("%q did not ask:\n%s%s", tc.args, out, errOut)
			}
			time.Sleep(20 * time.Millisecond)
		}
		master.Write([]byte{3}) // Ctrl-C
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			master.Write([]byte(cmdSam + "\n")) // the answer it would now take
			cmd.Process.Kill()
			<-waited
			cancel()
			t.Fatalf("%q: Ctrl-C at the question did not end linkdesk:\n%s", tc.args, errOut)
		}
		cancel()
		code := cmd.ProcessState.ExitCode()
		if code != exitFailure || !strings.Contains(errOut.String(), "Interrupted: nothing was changed.") || strings.Contains(errOut.String(), "Not confirmed") {
			t.Errorf("%q: exit %d\n%s", tc.args, code, errOut)
		}
	}
	stats, ten := emu.stop(t)
	if len(stats.Effects) != 0 || !slicesContainsUser(ten, cmdSam) || !slicesContainsUser(ten, cmdAliceGoogle) {
		t.Errorf("an interrupted question changed the tenant: %v", stats.Effects)
	}
}
