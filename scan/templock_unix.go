//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package scan

import (
	"errors"
	"os"
	"syscall"
)

// lockTemp locks the temporary file f this process writes, for as long as
// f is open: the kernel releases the lock when the process ends, however
// it ends (kill -9 included). Best effort: without it the age alone
// protects the file.
func lockTemp(f *os.File) { _ = flock(f, syscall.LOCK_EX|syscall.LOCK_NB) }

// tempLockOf tells whether a process (this one included) holds the lock of
// the temporary file at path.
func tempLockOf(path string) tempLock {
	f, err := os.Open(path)
	if err != nil {
		return tempLockUnknown
	}
	defer f.Close() // releases the lock taken below
	switch err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); {
	case err == nil:
		return tempLockFree
	case errors.Is(err, syscall.EWOULDBLOCK):
		return tempLockHeld
	}
	return tempLockUnknown // a file system without locks
}

// flock applies a BSD lock to f's open file description, retrying EINTR.
func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lockErr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if lockErr = syscall.Flock(int(fd), how); lockErr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return lockErr
}
