//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package scan

import "os"

// Without flock a download under way cannot be told from one cut off but
// by its age (staleTempUnlocked).

func lockTemp(*os.File) {}

func tempLockOf(string) tempLock { return tempLockUnknown }
