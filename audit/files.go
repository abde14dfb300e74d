package audit

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"time"
)

const (
	dirPerm  = 0o700
	filePerm = 0o600
)

// mkdirPrivate creates dir and any missing parents 0700 (less the umask). A
// directory that exists already is left as it is.
func mkdirPrivate(dir string) error { return os.MkdirAll(dir, dirPerm) }

// writeSynced writes b to f with one Write call and fsyncs f.
func writeSynced(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24+ crashes the program instead)
	return hex.EncodeToString(b)
}

// compactUTC is the time format of file names and op ids: sortable, no colons.
const compactUTC = "20060102T150405Z"

// NewOpID returns a unique id that pairs an audit attempt with its result,
// e.g. "20250314T091502Z-3f9a1c0e5b7d2a41"; ids sort by creation time.
func NewOpID() string {
	return time.Now().UTC().Format(compactUTC) + "-" + randomHex(8)
}
