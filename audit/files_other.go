//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package audit

import (
	"errors"
	"os"
)

// On systems without flock the audit log relies on O_APPEND and the
// in-process mutex alone, and journals refuse to open: without a lock two
// applies could run one journal at once.

func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }

func tryLockFile(*os.File) (bool, error) {
	return false, errors.New("journal locking is not supported on this system")
}

func syncDir(string) error { return nil }

// tighten does nothing here: these systems' file modes do not say who
// else may read a file.
func tighten(*os.File, string) (string, error) { return "", nil }
