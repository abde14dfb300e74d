package cli

import (
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"
)

// apply's dry run reads each journal of the state directory once to say
// what is left unsettled, and once to check that no other plan holds the
// plan's accounts (unsettled_write); it read them a third time, checking
// that again for its question. Counted as the opens of the journal an
// earlier write left.
func TestAnApplyDryRunReadsTheOtherJournalsOnceToCheckThePlanAgainstThem(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "delete", cmdMike, "--force", "--reason", "an earlier write")
	journals, err := filepath.Glob(filepath.Join(e.state, "linkdesk", "journals", "*.journal"))
	if err != nil || len(journals) != 1 {
		t.Fatalf("the earlier write's journal: %v (%v)", journals, err)
	}
	plan := alicesPlan(t)
	opens := countOpens(t, journals[0], func() { mustRun(t, "apply", plan) })
	if opens > 2 {
		t.Errorf("the dry run opened the earlier write's journal %d times, want 2 at most: once to say what is unsettled, once to check the plan against it", opens)
	}
}

// countOpens counts how often path is opened while do runs (inotify; its
// closes are watched too, or the opens that follow one another unread
// would be merged into one event).
func countOpens(t *testing.T, path string, do func()) int {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		t.Skipf("inotify: %v", err)
	}
	defer syscall.Close(fd)
	if _, err := syscall.InotifyAddWatch(fd, path, syscall.IN_OPEN|syscall.IN_CLOSE); err != nil {
		t.Skipf("inotify: %v", err)
	}
	do()
	n := 0
	buf := make([]byte, 64*syscall.SizeofInotifyEvent)
	for {
		got, err := syscall.Read(fd, buf)
		if err != nil || got <= 0 {
			return n
		}
		// A watch on a file: its events carry no name.
		for i := 0; i+syscall.SizeofInotifyEvent <= got; i += syscall.SizeofInotifyEvent {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[i]))
			if ev.Mask&syscall.IN_OPEN != 0 {
				n++
			}
		}
	}
}
