package scan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// A snapshot is a tenant's accounts as linkdesk last saw them, kept in a
// directory of its own (0700, files 0600): the users export of the last full
// scan as the tenant sent it (the base, gzip NDJSON of the fields linkdesk
// asks for: compact, and read by the scan's own decoder), the users that
// changed since as NDJSON lines of the same shape (the delta), and a state
// file naming both, with when the base was taken, when the snapshot was
// last brought up to date and the users deleted since. Loading it scans
// the base, leaving out the users the delta replaces or that were deleted,
// then the delta. No secret is in it; its accounts' emails are, hence the
// modes. The state file is written last, atomically: it is the commit.

// SnapshotVersion is the version of the state file's layout and of the
// fields its base holds; a snapshot of another version is not used (the
// next scan exports anew). 2: the base holds blocked.
const SnapshotVersion = 2

// SnapshotState is the state file of a snapshot.
type SnapshotState struct {
	Version int    `json:"version"`
	Tenant  string `json:"tenant"` // the tenant's name (Request.Tenant): its domain, or a sandbox run's name
	Base    string `json:"base"`   // the base file's name in the directory
	Delta   string `json:"delta,omitempty"`
	// BaseAt is when the base's export job was asked for: a user changed
	// after it may or may not be in the base.
	BaseAt time.Time `json:"base_at"`
	// SyncedAt is when the last refresh began (BaseAt until one ran): what
	// changed after it is not in the snapshot yet.
	SyncedAt time.Time `json:"synced_at"`
	// Deleted are the users deleted or linked into another since the base:
	// their lines of the base are not read (one made a user again since is
	// in the delta).
	Deleted []string `json:"deleted,omitempty"`
	// LogOldest is the oldest event the tenant's log held at the full scan;
	// LogEmpty says it held none. While that event is still the oldest,
	// nothing has aged out of the log since, and every deletion since the
	// snapshot is in it.
	LogOldest *LogMark `json:"log_oldest,omitempty"`
	LogEmpty  bool     `json:"log_empty,omitempty"`
	// Emails is how many addresses the last scan indexed: the next one
	// sizes its index for them.
	Emails int `json:"emails,omitempty"`
	// Connections are the tenant's connections as the last scan read
	// them: the snapshot can be shown (classified) before they are read
	// again, or when the tenant cannot be reached (credentials refused).
	Connections []linking.Connection `json:"connections,omitempty"`
	// Index names the file of what a lookup needs of the snapshot
	// (snapshotIndex), written with this state; "" when there is none.
	Index string `json:"index,omitempty"`
}

// snapshotIndex is what a lookup needs of a snapshot without reading it
// whole (a million users take seconds): the accounts an email lookup
// misses (Scanner.Hidden) and those holding linked identities
// (Scanner.LinkedNames), as of its state.
type snapshotIndex struct {
	Hidden map[string][]string `json:"hidden"`
	Linked LinkedNames         `json:"linked"`
}

// fill takes the index of the scan sc, of the whole tenant.
func (ix *snapshotIndex) fill(sc *Scanner) {
	ix.Hidden, ix.Linked = sc.Hidden(), sc.LinkedNames()
}

// write keeps a filled index in dir, and returns its file's name ("" when
// there is none, or it could not be written: the snapshot is then read
// whole for a lookup, as before).
func (ix *snapshotIndex) write(dir string, at time.Time) string {
	if ix == nil || ix.Hidden == nil {
		return ""
	}
	data, err := json.Marshal(ix)
	if err != nil {
		return ""
	}
	name := fmt.Sprintf("index-%d.json", at.UnixNano())
	if audit.WritePrivateFile(filepath.Join(dir, name), data) != nil {
		return ""
	}
	return name
}

// Conns are the connections the snapshot was last brought up to date
// with; nil for a snapshot that kept none (written before they were kept).
func (s *Snapshot) Conns() *linking.Connections {
	if len(s.State.Connections) == 0 {
		return nil
	}
	return linking.NewConnections(s.State.Connections...)
}

// Snapshot is a tenant's snapshot directory and its state.
type Snapshot struct {
	Dir   string
	State SnapshotState
}

const stateFile = "state.json"

// SnapshotDir is where the snapshot of tenant lives under a state
// directory: one directory a tenant, named after its domain (the runs of a
// `linkdesk emulator` at one address share it, each replacing the one
// before's snapshot, whose state names another tenant: OpenSnapshot).
func SnapshotDir(stateDir, tenant string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, tenant)
	return filepath.Join(stateDir, "snapshots", name)
}

// ErrNoSnapshot is matched by OpenSnapshot's error when there is none.
var ErrNoSnapshot = errors.New("no snapshot of this tenant")

// OpenSnapshot reads the state of the snapshot in dir, checking that it is
// tenant's (by name, Request.Tenant: one of another run at the address is
// none) and that its files are there.
func OpenSnapshot(dir, tenant string) (*Snapshot, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Dir: dir}
	if err := json.Unmarshal(data, &s.State); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", dir, err)
	}
	switch {
	case s.State.Version != SnapshotVersion:
		return nil, fmt.Errorf("%w: %s has version %d", ErrNoSnapshot, dir, s.State.Version)
	case s.State.Tenant != tenant:
		return nil, fmt.Errorf("%w: %s is of %s", ErrNoSnapshot, dir, s.State.Tenant)
	}
	for _, f := range []string{s.State.Base, s.State.Delta} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoSnapshot, err)
		}
	}
	return s, nil
}

// Age is how long ago the snapshot was last brought up to date.
func (s *Snapshot) Age(now time.Time) time.Duration { return now.Sub(s.State.SyncedAt) }

// ChangesSince is how far back the next refresh reads what changed: a
// margin before the last one began (search and the log lag behind writes).
// The users linkdesk wrote from then on are what Request.Written should
// name.
func (s *Snapshot) ChangesSince() time.Time { return s.State.SyncedAt.Add(-searchMargin) }

// read scans the snapshot into sc: the base without the users of skip,
// of the delta and deleted since, then the delta without the users of skip.
func (s *Snapshot) read(ctx context.Context, sc *Scanner, skip map[string]bool) (err error) {
	deltaLines, deltaIDs, err := s.delta()
	if err != nil {
		return err
	}
	baseSkip := make(map[string]bool, len(skip)+len(deltaIDs)+len(s.State.Deleted))
	for id := range skip {
		baseSkip[id] = true
	}
	for _, id := range deltaIDs {
		baseSkip[id] = true
	}
	for _, id := range s.State.Deleted {
		baseSkip[id] = true
	}
	f, err := os.Open(filepath.Join(s.Dir, s.State.Base))
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := client.Decompress(f)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", s.State.Base, err)
	}
	sc.SkipUsers(baseSkip)
	if err := sc.ReadExport(ctxReader{ctx: ctx, r: r}); err != nil {
		return fmt.Errorf("snapshot %s: %w", s.State.Base, err)
	}
	sc.SkipUsers(skip)
	if err := sc.ReadExport(bytes.NewReader(deltaLines)); err != nil {
		return fmt.Errorf("snapshot %s: %w", s.State.Delta, err)
	}
	sc.SkipUsers(nil)
	return nil
}

// delta returns the delta's lines and their user ids, in order.
func (s *Snapshot) delta() ([]byte, []string, error) {
	if s.State.Delta == "" {
		return nil, nil, nil
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, s.State.Delta))
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for line := range bytes.Lines(data) {
		if id := lineUserID(line); id != "" {
			ids = append(ids, id)
		}
	}
	return data, ids, nil
}

// lineUserID is the user id of one export line ("" for a line that is not
// a user).
func lineUserID(line []byte) string {
	var d lineDecoder
	if len(bytes.TrimSpace(line)) == 0 || d.decode(bytes.TrimSpace(line)) != nil {
		return ""
	}
	return string(d.userID())
}

// Load reads the snapshot alone, without a call to the tenant: the report
// as of the snapshot's last refresh (Method "snapshot"), for a first screen.
func (s *Snapshot) Load(ctx context.Context, conns *linking.Connections, req Request) (*linking.Report, error) {
	sc := New(conns, Options{Connection: req.Connection, HoldCollector: req.HoldCollector, ExpectedEmails: s.State.Emails})
	if err := s.read(ctx, sc, nil); err != nil {
		return nil, err
	}
	rep := sc.finish(linking.ReportMeta{Tenant: s.State.Tenant, ScannedAt: s.State.SyncedAt, Method: linking.MethodSnapshot})
	return rep, nil
}

// Hidden reads the snapshot for the accounts a lookup cannot find by what
// they hold: by normalized email (Scanner.Hidden), and by the username or
// phone number of an identity linked into them (Scanner.LinkedNames).
func (s *Snapshot) Hidden(ctx context.Context, conns *linking.Connections) (map[string][]string, LinkedNames, error) {
	if s.State.Index != "" { // kept by the scan: read at once
		if data, err := os.ReadFile(filepath.Join(s.Dir, s.State.Index)); err == nil {
			ix := snapshotIndex{Linked: NewLinkedNames()}
			if json.Unmarshal(data, &ix) == nil && ix.Hidden != nil && ix.Linked.IDs != nil && ix.Linked.Usernames != nil && ix.Linked.Phones != nil {
				return ix.Hidden, ix.Linked, nil
			}
		}
	}
	sc := New(conns, Options{ExpectedEmails: s.State.Emails})
	if err := s.read(ctx, sc, nil); err != nil {
		return nil, LinkedNames{}, err
	}
	return sc.Hidden(), sc.LinkedNames(), nil
}

// snapshotWriter writes a new snapshot: the base is copied while the export
// downloads, then committed with the state file, and the files of the
// snapshot it replaces are removed.
type snapshotWriter struct {
	dir  string
	copy *client.ExportCopy
}

// newSnapshotWriter starts the base of a new snapshot in dir.
func newSnapshotWriter(dir string) (*snapshotWriter, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	sweepTemp(dir, time.Now())
	f, err := os.CreateTemp(dir, "base-*.json.gz.tmp") // 0600
	if err != nil {
		return nil, err
	}
	_, _ = audit.TryLockFile(f) // held while this process has it open: no sweep takes it (best effort: else its age protects it)
	return &snapshotWriter{dir: dir, copy: &client.ExportCopy{File: f}}, nil
}

// abort drops the base under way.
func (w *snapshotWriter) abort() {
	w.copy.File.Close()
	os.Remove(w.copy.File.Name())
}

// commit makes the copied base the tenant's snapshot, taken at baseAt.
func (w *snapshotWriter) commit(st SnapshotState) error {
	f := w.copy.File
	if w.copy.Err != nil {
		w.abort()
		return fmt.Errorf("keeping the export: %w", w.copy.Err)
	}
	if err := f.Sync(); err != nil {
		w.abort()
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	st.Version, st.Base, st.SyncedAt = SnapshotVersion, fmt.Sprintf("base-%d.json.gz", st.BaseAt.UnixNano()), st.BaseAt
	if err := os.Rename(f.Name(), filepath.Join(w.dir, st.Base)); err != nil {
		os.Remove(f.Name())
		return err
	}
	return writeState(w.dir, st)
}

// writeState commits a snapshot's state, then removes the files of the
// directory that it no longer names, and the temporary files that scans
// cut off left (sweepTemp).
func writeState(dir string, st SnapshotState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := audit.WritePrivateFile(filepath.Join(dir, stateFile), append(data, '\n')); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // committed; the old files stay until the next commit
	}
	for _, e := range entries {
		if n := e.Name(); n != stateFile && n != st.Base && n != st.Delta && n != st.Index && !strings.HasSuffix(n, ".tmp") {
			os.Remove(filepath.Join(dir, n))
		}
	}
	sweepTemp(dir, time.Now())
	return nil
}

// A base being downloaded (base-*.json.gz.tmp) is locked by the process
// writing it for as long as that process has it open.
type tempLock int

const (
	tempLockUnknown tempLock = iota // the lock cannot be read here
	tempLockFree                    // no process holds it: the writer is gone
	tempLockHeld                    // a process is writing the file now
)

// tempLockOf tells whether a process (this one included) holds the lock of
// the temporary file at path.
func tempLockOf(path string) tempLock {
	f, err := os.Open(path)
	if err != nil {
		return tempLockUnknown
	}
	defer f.Close() // releases the lock taken below
	switch free, err := audit.TryLockFile(f); {
	case err != nil:
		return tempLockUnknown // no locks on this system or file system
	case free:
		return tempLockFree
	}
	return tempLockHeld
}

// staleTemp is how long a temporary file of a snapshot directory, its lock
// free, must have been left unchanged before a scan sweeps it: the age
// covers the instant between the file's creation and its lock, and the
// lock a download whose export job waits far longer. Where the lock cannot
// be read, the file must be a day old (staleTempUnlocked), longer than an
// export job is ever queued.
const (
	staleTemp         = 10 * time.Minute
	staleTempUnlocked = 24 * time.Hour
)

// sweepTemp removes the temporary files of a snapshot directory that a scan
// cut off (a kill, a crash, a power cut) left behind: a base being
// downloaded whose process is gone (its lock free) and that has not
// changed for staleTemp. A download under way in another process, however
// old, is left alone.
func sweepTemp(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".tmp") || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		age, path := now.Sub(fi.ModTime()), filepath.Join(dir, e.Name())
		if age < staleTemp {
			continue
		}
		if l := tempLockOf(path); l == tempLockFree || l == tempLockUnknown && age >= staleTempUnlocked {
			os.Remove(path)
		}
	}
}

// writeDelta writes the users of a refreshed delta as export lines, a user
// once (the last copy wins), and returns the file's name.
func writeDelta(dir string, at time.Time, lines map[string][]byte) (string, error) {
	ids := make([]string, 0, len(lines))
	for id := range lines {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	for _, id := range ids {
		bw.Write(lines[id])
		bw.WriteByte('\n')
	}
	bw.Flush()
	name := fmt.Sprintf("delta-%d.ndjson", at.UnixNano())
	return name, audit.WritePrivateFile(filepath.Join(dir, name), b.Bytes())
}

// userLine is a user read through the API as a line of the snapshot: the
// object as the tenant sent it, on one line.
func userLine(u client.User) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, u.Raw); err != nil {
		return nil, fmt.Errorf("user %s: %w", u.UserID, err)
	}
	return b.Bytes(), nil
}
