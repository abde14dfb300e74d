package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Phases of a Record.
const (
	PhaseAttempt = "attempt" // written and fsync'd before the call is made
	PhaseResult  = "result"  // written after the call answered (or failed)
	// PhaseNote is a record of no call, which no result follows: the log's
	// own (a torn line found and cut off on open, with its text), or an
	// operator's decision that makes no call (ActionDiscard).
	PhaseNote = "note"
)

// Actions of note records.
const (
	// ActionRepair names a note record about a repair of the log.
	ActionRepair = "repair"
	// ActionDiscard names the note record of an operation whose calls not
	// made an operator left undone for good (`linkdesk resume --discard`):
	// Discards names the operation, Reason the operator's words, Note what
	// was left, and what was made before and stays on the tenant.
	ActionDiscard = "discard"
)

// Results of a Record in PhaseResult.
const (
	ResultOK      = "ok"
	ResultError   = "error"
	ResultUnknown = "unknown" // the call went out but its answer was lost
)

// Record is one line of the audit log: an attempt before a write call, or the
// result after it, which OpID pairs; or a note of no call (PhaseNote), with
// an OpID of its own.
type Record struct {
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Tenant   string    `json:"tenant"`
	Action   string    `json:"action"` // "link", "unlink", "delete", "patch_metadata", "ticket", ..., "repair", "discard"
	Phase    string    `json:"phase"`  // PhaseAttempt, PhaseResult or PhaseNote
	OpID     string    `json:"op_id"`  // see NewOpID
	UserIDs  []string  `json:"user_ids"`
	// Names are the primary identifiers (a username, a phone number) of the
	// accounts whose email does not tell them apart, by user id: what names
	// an account once it is deleted.
	Names     map[string]string `json:"names,omitempty"`
	PlanID    string            `json:"plan_id,omitempty"`   // the plan an apply carries out
	Step      string            `json:"step,omitempty"`      // the journal step this call belongs to
	Undoes    string            `json:"undoes,omitempty"`    // the operation (plan_id/op) this call helps undo
	Discards  string            `json:"discards,omitempty"`  // (added; ActionDiscard) the operation (plan_id/op) whose calls not made it leaves undone for good
	Reason    string            `json:"reason,omitempty"`    // why the operator did it
	Overrides []string          `json:"overrides,omitempty"` // safety checks explicitly overridden, e.g. "unverified_email"
	Before    json.RawMessage   `json:"before,omitempty"`    // the state read just before
	// Emails are those of the identities a deletion takes with it (linked
	// into the account deleted): what finds the call by such an identity's
	// email once "before" names only the account's own; of a discard (no
	// "before"), those of its accounts as its plan expected them.
	Emails []string `json:"emails,omitempty"`
	Backup string   `json:"backup,omitempty"` // path of the backup file
	// BackupSum is the SHA-256 of the backup file as written: an undo
	// restores from the file only while it matches.
	BackupSum string          `json:"backup_sha256,omitempty"`
	Request   json.RawMessage `json:"request,omitempty"` // the call made (method, path, body)
	Result    string          `json:"result,omitempty"`  // ResultOK, ResultError or ResultUnknown
	Error     string          `json:"error,omitempty"`
	// Note says how a call that has no error was settled (cut off, then
	// found on the tenant to have taken effect), or is the log's own note.
	// A call whose request went out more than once says so here too.
	Note     string          `json:"note,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	// Retries (added; results only) are the tries of the call before the
	// one its result tells, oldest first: each met an error (a 5xx, a
	// dropped connection) after which the request was sent again, by the
	// client for a request safe to repeat (a PATCH that merges, a DELETE),
	// or by linkdesk once reading the tenant showed the try had not taken
	// effect; each says which in its note. A call has one attempt and one
	// result however many times its request went out.
	Retries []Retry `json:"retries,omitempty"`
	// AnswerLost (added; results only) is what the try the result tells
	// met in place of an answer that says what became of the call: the
	// connection dropped or reset after the request went out, a timeout,
	// a 5xx, the run interrupted or cut off during the call. The result is
	// then what reading the tenant showed, and its note or error says so:
	// "ok", the call took effect; "error", it did not, and was not sent
	// again; "unknown", the tenant could not tell. A try before the last,
	// sent again, is in Retries instead.
	AnswerLost string `json:"answer_lost,omitempty"`
}

// Retry is one try of a call that its result does not tell: what it met,
// and what was done next.
type Retry struct {
	Time   time.Time `json:"time"`
	Status int       `json:"status,omitempty"` // the answer's HTTP status; none when the try got no answer
	Error  string    `json:"error"`            // what the try met: "POST /api/v2/…: 503 …", "POST /api/v2/…: EOF"
	Note   string    `json:"note,omitempty"`   // why it was sent again
}

// Noted is r's note. A log written before records had a note kept it in
// error, beside an "ok" result or in the log's own note: read so, it is
// the note.
func (r Record) Noted() string {
	if r.Note == "" && r.noteInError() {
		return r.Error
	}
	return r.Note
}

// Failed is r's error: none for an "ok" result or the log's own note,
// whose words are their note (Noted).
func (r Record) Failed() string {
	if r.noteInError() {
		return ""
	}
	return r.Error
}

func (r Record) noteInError() bool { return r.Result == ResultOK || r.Phase == PhaseNote }

// ErrClosed is returned by writes to a closed Log or Journal.
var ErrClosed = errors.New("audit: file already closed")

// Log appends Records to the audit log. Its methods are safe for concurrent
// use, and several processes may append to one file at once.
type Log struct {
	mu       sync.Mutex
	f        *os.File
	path     string
	opts     options
	repaired string
	// tightened says the open made an existing log 0600 (openPrivate).
	tightened string
}

// OpenLog opens the audit log at path for appending, creating it 0600 and
// any missing parent directories 0700. An existing log open to other users
// is made 0600 first (Tightened says so), or refused when its mode cannot
// be changed. A last line left unfinished (a write cut short by a full
// disk or a crash) is cut off and a note record keeping its text is
// appended: Repaired says so.
func OpenLog(path string, opts ...Option) (*Log, error) {
	// Read and write rather than write only: Append reads the last byte to
	// detect a torn line.
	f, tightened, err := openPrivate(path, os.O_APPEND)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	l := &Log{f: f, path: path, opts: optionsOf(opts), tightened: tightened}
	if err := l.repair(); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return l, nil
}

// Repaired is the note of the repair OpenLog made ("" when none was needed).
func (l *Log) Repaired() string { return l.repaired }

// Tightened says that OpenLog found the log open to other users and made
// it 0600 ("" when it was private already, or new).
func (l *Log) Tightened() string { return l.tightened }

// tornKept is how much of a torn line a repair note keeps.
const tornKept = 4 << 10

// repair cuts off an unfinished last line and records it in a note.
func (l *Log) repair() error {
	if err := lockFile(l.f); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer unlockFile(l.f)
	st, err := l.f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	last := make([]byte, 1)
	if _, err := l.f.ReadAt(last, size-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	start, err := lastLineStart(l.f, size)
	if err != nil {
		return err
	}
	frag := make([]byte, min(size-start, tornKept))
	if _, err := l.f.ReadAt(frag, start); err != nil {
		return err
	}
	if err := l.f.Truncate(start); err != nil {
		return err
	}
	note := fmt.Sprintf("repaired on open: an unfinished line of %d bytes at byte %d (a write cut short by a full disk or a crash) was cut off; it began: %s", size-start, start, frag)
	line, err := encodeRecord(Record{Time: time.Now().UTC(), Action: ActionRepair, Phase: PhaseNote, OpID: NewOpID(), Note: note}, l.opts)
	if err != nil {
		return err
	}
	if err := writeSynced(l.f, line); err != nil {
		return err
	}
	l.repaired = fmt.Sprintf("%s: an unfinished last line of %d bytes at byte %d was cut off; a note record keeps its start", l.path, size-start, start)
	return nil
}

// lastLineStart is the offset just after the last newline before size (0
// when there is none), read backwards in chunks.
func lastLineStart(f *os.File, size int64) (int64, error) {
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	for end := size; end > 0; {
		n := min(int64(chunk), end)
		if _, err := f.ReadAt(buf[:n], end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return 0, nil
}

// Path is the file the log appends to.
func (l *Log) Path() string { return l.path }

// Append writes r as one line with a single write(2), then fsyncs: when it
// returns nil the record is on disk. Time is set to now (UTC) if zero.
// Secrets are scrubbed first (see RegisterSecret; values of keys such as
// access_token, client_secret, authorization, password, refresh_token at any
// depth of Before, Request and Response become "[redacted]"). Before, Request
// and Response must be valid JSON or empty.
func (l *Log) Append(r Record) error {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.UTC()
	line, err := encodeRecord(r, l.opts)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return ErrClosed
	}
	// flock orders this process's line against other processes' lines.
	if err := lockFile(l.f); err != nil {
		return fmt.Errorf("audit log: lock: %w", err)
	}
	defer unlockFile(l.f)
	// A crash mid-write elsewhere may have left a line without its newline:
	// start a fresh line so this record is not glued to the fragment.
	if st, err := l.f.Stat(); err != nil {
		return fmt.Errorf("audit log: %w", err)
	} else if st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := l.f.ReadAt(last, st.Size()-1); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		if last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	if err := writeSynced(l.f, line); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// AppendAt appends r to the audit log at path, opened with this log's
// options and closed again, or to this log when path names its file, is
// "", or is gone: a call's result goes to the log that holds its attempt
// (its journal names it), whichever log the run that settles it was given.
// It returns the path of the log it appended to.
func (l *Log) AppendAt(path string, r Record) (string, error) {
	if path == "" || SameFile(path, l.path) {
		return l.path, l.Append(r)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return l.path, l.Append(r)
	} else if err != nil {
		return "", fmt.Errorf("audit log: %w", err)
	}
	other, err := OpenLog(path, func(o *options) { *o = l.opts })
	if err != nil {
		return "", err
	}
	if err := other.Append(r); err != nil {
		other.Close()
		return "", err
	}
	return path, other.Close()
}

// SameFile reports whether two paths name one file: the same path, or two
// that lead to one file (a link, another spelling of a directory).
func SameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	x, errA := os.Stat(a)
	y, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(x, y)
}

// Close closes the log; later Appends return ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// encodeRecord validates r and returns its scrubbed line, newline included.
func encodeRecord(r Record, o options) ([]byte, error) {
	switch {
	case r.Action == "":
		return nil, errors.New("audit record: action is empty")
	case r.OpID == "":
		return nil, errors.New("audit record: op_id is empty")
	case r.Phase != PhaseAttempt && r.Phase != PhaseResult && r.Phase != PhaseNote:
		return nil, fmt.Errorf("audit record: phase %q is not %q, %q or %q", r.Phase, PhaseAttempt, PhaseResult, PhaseNote)
	}
	r.Operator, r.Tenant, r.Action, r.OpID = Scrub(r.Operator), Scrub(r.Tenant), Scrub(r.Action), Scrub(r.OpID)
	r.PlanID, r.Step, r.Reason, r.Backup = Scrub(r.PlanID), Scrub(r.Step), Scrub(r.Reason), Scrub(r.Backup)
	r.Undoes, r.Discards = Scrub(r.Undoes), Scrub(r.Discards)
	r.Result, r.Error, r.Note = Scrub(r.Result), Scrub(r.Error), Scrub(r.Note)
	r.UserIDs, r.Overrides = scrubAll(r.UserIDs), scrubAll(r.Overrides)
	if r.Retries != nil {
		retries := make([]Retry, len(r.Retries))
		for i, t := range r.Retries {
			retries[i] = Retry{Time: t.Time.UTC(), Status: t.Status, Error: Scrub(t.Error), Note: Scrub(t.Note)}
		}
		r.Retries = retries
	}
	if r.UserIDs == nil {
		r.UserIDs = []string{}
	}
	for name, raw := range map[string]*json.RawMessage{"before": &r.Before, "request": &r.Request, "response": &r.Response} {
		clean, err := redactJSON(*raw, nil, Scrub)
		if err != nil {
			return nil, fmt.Errorf("audit record: %s: %w", name, err)
		}
		*raw = clean
	}
	line, err := o.encode(r, "")
	if err != nil {
		return nil, fmt.Errorf("audit record: %w", err)
	}
	return append(line, '\n'), nil
}

// SkippedLine is a line of a JSON-lines file that could not be read as a
// record: most often the last line, torn by a crash in the middle of a write.
type SkippedLine struct {
	Offset int64  // byte offset of the line's start
	Torn   bool   // the line has no newline: it is the file's unfinished last line
	Reason string // why it could not be read
}

func (s SkippedLine) String() string {
	if s.Torn {
		return fmt.Sprintf("skipped the unfinished last line at byte %d (a write cut short by a crash): %s", s.Offset, s.Reason)
	}
	return fmt.Sprintf("skipped an unreadable line at byte %d: %s", s.Offset, s.Reason)
}

// parseRecordLine reads one line (newline removed; complete tells whether it
// had one). ok is false for a blank line.
func parseRecordLine(line []byte, off int64, complete bool) (r Record, skip *SkippedLine, ok bool) {
	line = bytes.TrimRight(line, "\r")
	if len(bytes.TrimSpace(line)) == 0 {
		return r, nil, false
	}
	if err := json.Unmarshal(line, &r); err != nil {
		return r, &SkippedLine{Offset: off, Torn: !complete, Reason: err.Error()}, false
	}
	return r, nil, true
}

// openForRead opens the log for reading; nil and no error if it does not
// exist yet.
func openForRead(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return f, nil
}

// ReadLog returns every record of the audit log at path, oldest first, and
// the lines it had to skip (a torn last line after a crash, or a fragment a
// crash left in the middle). A log that does not exist yet reads as empty.
func ReadLog(path string) ([]Record, []SkippedLine, error) {
	f, err := openForRead(path)
	if f == nil || err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var (
		recs    []Record
		skipped []SkippedLine
		off     int64
		br      = bufio.NewReaderSize(f, 64<<10)
	)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			complete := line[len(line)-1] == '\n'
			if r, skip, ok := parseRecordLine(bytes.TrimSuffix(line, []byte("\n")), off, complete); ok {
				recs = append(recs, r)
			} else if skip != nil {
				skipped = append(skipped, *skip)
			}
			off += int64(len(line))
		}
		if err == io.EOF {
			return recs, skipped, nil
		}
		if err != nil {
			return recs, skipped, fmt.Errorf("audit log: %w", err)
		}
	}
}

// HasAttempt reports whether the audit log at path holds the attempt record
// of opID. An attempt is on disk before its call is made, so without one
// the call never was. A log that does not exist is an error (fs.ErrNotExist):
// a log with the attempt may have been moved away.
func HasAttempt(path, opID string) (bool, error) {
	_, found, err := findRecord(path, opID, PhaseAttempt)
	return found, err
}

// AttemptOf is the attempt record of the call opID in the audit log at
// path, if one is there: it keeps the reason of the run that made the call.
func AttemptOf(path, opID string) (Record, bool, error) {
	return findRecord(path, opID, PhaseAttempt)
}

// ResultOf is the last result record of the call opID in the audit log at
// path, if one is there: a run killed after it wrote the result and before
// its journal said so left the call recorded already.
func ResultOf(path, opID string) (Record, bool, error) {
	return findRecord(path, opID, PhaseResult)
}

// findRecord is the last record of phase of the call opID in the log at
// path, parsing only the lines that hold opID.
func findRecord(path, opID, phase string) (Record, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return Record{}, false, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var (
		off   int64
		last  Record
		found bool
	)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && bytes.Contains(line, []byte(opID)) { // most lines are not it: parse only these
			complete := line[len(line)-1] == '\n'
			if r, _, ok := parseRecordLine(bytes.TrimSuffix(line, []byte("\n")), off, complete); ok && r.OpID == opID && r.Phase == phase {
				last, found = r, true
				if phase == PhaseAttempt {
					return last, true, nil // a call has one attempt
				}
			}
		}
		off += int64(len(line))
		if err == io.EOF {
			return last, found, nil
		}
		if err != nil {
			return Record{}, false, fmt.Errorf("audit log: %w", err)
		}
	}
}

// ReadLogTail returns the newest n records of the audit log at path, newest
// first, reading the file backwards in chunks so a huge log costs only what
// the n lines cost. skipped lists the unreadable lines met on the way.
func ReadLogTail(path string, n int) ([]Record, []SkippedLine, error) {
	if n <= 0 {
		return nil, nil, nil
	}
	f, err := openForRead(path)
	if f == nil || err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("audit log: %w", err)
	}
	const chunk = 64 << 10
	var (
		recs    []Record
		skipped []SkippedLine
		pos     = st.Size() // file offset of data[0]
		data    []byte      // the not yet split bytes from pos on
		last    = true      // the next line handled is the file's last
	)
	handle := func(line []byte, off int64) {
		complete := !last
		last = false
		if r, skip, ok := parseRecordLine(line, off, complete); ok {
			recs = append(recs, r)
		} else if skip != nil {
			skipped = append(skipped, *skip)
		}
	}
	for pos > 0 && len(recs) < n {
		size := min(int64(chunk), pos)
		pos -= size
		buf := make([]byte, size, size+int64(len(data)))
		if _, err := f.ReadAt(buf, pos); err != nil {
			return nil, nil, fmt.Errorf("audit log: %w", err)
		}
		data = append(buf, data...)
		end := len(data)
		for i := end - 1; i >= 0 && len(recs) < n; i-- {
			if data[i] == '\n' {
				handle(data[i+1:end], pos+int64(i)+1)
				end = i
			}
		}
		data = data[:end]
	}
	if pos == 0 && len(recs) < n && len(data) > 0 {
		handle(data, 0)
	}
	return recs, skipped, nil
}
