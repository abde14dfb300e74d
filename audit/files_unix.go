//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package audit

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// flock applies a BSD lock to f's open file description, retrying EINTR.
func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lockErr error
	if err := rc.Control(func(fd uintptr) {
		for {
			lockErr = syscall.Flock(int(fd), how)
			if lockErr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return lockErr
}

// lockFile waits for an exclusive lock on f.
func lockFile(f *os.File) error { return flock(f, syscall.LOCK_EX) }

// unlockFile releases lockFile's or tryLockFile's lock.
func unlockFile(f *os.File) error { return flock(f, syscall.LOCK_UN) }

// tryLockFile takes an exclusive lock on f without waiting; false means
// another open file description (another process, or another open in this
// one) holds it.
func tryLockFile(f *os.File) (bool, error) {
	err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// syncDir makes a directory's entries (a new or renamed file) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// chmodFile changes the mode of an open file (fchmod: the file opened,
// whatever its path leads to since); a variable so that a test can have
// it fail as it does on another user's file.
var chmodFile = (*os.File).Chmod

// tighten makes f, opened at path, 0600 when its mode lets other users
// (its group, or everyone) in, and says what it did; "" when nothing was
// needed. A mode it cannot change (the file belongs to another user) is
// an error: the records would go on where others can read or rewrite them.
func tighten(f *os.File, path string) (string, error) {
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	perm := st.Mode().Perm()
	if perm&0o077 == 0 {
		return "", nil
	}
	if err := chmodFile(f, filePerm); err != nil {
		owner := ""
		if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
			owner = fmt.Sprintf(", belongs to uid %d (not this user)", sys.Uid)
		}
		return "", fmt.Errorf("%s is mode %04o, which lets other users %s it%s, and could not be made 0600: %w; make it 0600 as its owner, or use a file of your own",
			path, perm, openTo(perm), owner, err)
	}
	return fmt.Sprintf("%s was mode %04o, which let other users %s it: made it 0600", path, perm, openTo(perm)), nil
}

// openTo says what a mode lets the group and others do with a file.
func openTo(perm os.FileMode) string {
	read, write := perm&0o044 != 0, perm&0o022 != 0
	switch {
	case read && write:
		return "read and write"
	case write:
		return "write"
	case read:
		return "read"
	}
	return "run"
}
