package audit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	dirPerm  = 0o700
	filePerm = 0o600
)

// mkdirPrivate creates dir and any missing parents 0700 (less the umask). A
// directory that exists already is left as it is.
func mkdirPrivate(dir string) error { return os.MkdirAll(dir, dirPerm) }

// openPrivate opens path for reading and writing (flag adds os.O_APPEND
// for a log), creating it 0600 and any missing parent directories 0700.
// A file that exists already open to other users (made by hand, or by an
// older build) is made 0600 before anything is read from or written to it,
// and tightened says so ("" when it was private already); one whose mode
// cannot be changed (another user's) is refused. A directory that exists
// already keeps its mode: it may be one the operator named that holds more
// than linkdesk's files (a home, a shared directory), and the files in it
// are what hold the records.
func openPrivate(path string, flag int) (f *os.File, tightened string, err error) {
	if err := refuseNonRegular(path); err != nil {
		return nil, "", err
	}
	if err := mkdirPrivate(filepath.Dir(path)); err != nil {
		return nil, "", err
	}
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|flag, filePerm)
	if err != nil {
		return nil, "", err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() { // made so since the check
		f.Close()
		if err == nil {
			err = notRegular(path, st.Mode())
		}
		return nil, "", err
	}
	if tightened, err = tighten(f, path); err != nil {
		f.Close()
		return nil, "", err
	}
	return f, tightened, nil
}

// refuseNonRegular refuses a path that exists and is no regular file: a
// device (/dev/null, /dev/full), a named pipe, a socket or a directory.
// Opened to keep records, it keeps none, and its mode would be made 0600
// (a device's for every user); a file renamed over it replaces it (`plan
// --out /dev/null` as root left /dev/null a regular file). A link to a
// regular file is a regular file.
func refuseNonRegular(path string) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return notRegular(path, st.Mode())
	}
	return nil
}

func notRegular(path string, m os.FileMode) error {
	what := "a device"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&os.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("%s is not a regular file (it is %s): linkdesk keeps what it writes in a file of its own, and leaves %s as it is", path, what, path)
}

// writeSynced writes b to f with one Write call and fsyncs f.
func writeSynced(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}

// Option adjusts how a Log, Backups or Journal writes its files.
type Option func(*options)

type options struct {
	escape func([]byte) []byte
}

// WithJSONEscape makes every JSON text the files hold pass through escape
// first: the caller's rule for characters a terminal would act on, written
// as \u escapes that leave every value as it was (this package imports no
// other of linkdesk's).
func WithJSONEscape(escape func([]byte) []byte) Option {
	return func(o *options) { o.escape = escape }
}

func optionsOf(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// encode is marshalLine through the escape, if any.
func (o options) encode(v any, indent string) ([]byte, error) {
	b, err := marshalLine(v, indent)
	if err != nil || o.escape == nil {
		return b, err
	}
	return o.escape(b), nil
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

// IsOpID reports whether s has the form NewOpID gives (a journal's note of
// a step started is its op id; other notes are words).
func IsOpID(s string) bool {
	stamp, hexPart, ok := strings.Cut(s, "-")
	if !ok || len(hexPart) != 16 || strings.Trim(hexPart, "0123456789abcdef") != "" {
		return false
	}
	_, err := time.Parse(compactUTC, stamp)
	return err == nil
}

// TryLockFile takes an exclusive lock on f without waiting, for as long as
// f is open (the kernel lets it go when the process ends, however it
// ends): false when another open file description holds it; an error where
// the system or the file system has no such locks.
func TryLockFile(f *os.File) (bool, error) { return tryLockFile(f) }
