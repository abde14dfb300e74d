package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// Request says what a scan of a tenant reads.
type Request struct {
	// Connections are the tenant's connections as the caller already read
	// them (a session reads them once); nil reads them first.
	Connections *linking.Connections
	// Email, when set, scans one address (users-by-email plus the
	// case-insensitive search) instead of the whole tenant.
	Email string
	// MoreHolders, with Email, adds to the accounts found by email those
	// its caller knows hold it too where no email lookup finds them
	// (through a linked identity's profile), as the whole tenant's scan
	// groups them.
	MoreHolders func(ctx context.Context, email string, found []client.User) ([]client.User, error)
	// Connection narrows the report to groups involving this connection.
	Connection string
	// Progress hears how the scan goes; it runs on the scanning goroutine.
	Progress func(Progress)
	// Snapshot is the directory of the tenant's snapshot ("" keeps none). A
	// scan of the whole tenant brings a recent snapshot up to date, reading
	// only what changed (Method "incremental"); otherwise it exports and
	// keeps the export as the new snapshot.
	Snapshot string
	// Tenant is the tenant's name, which the snapshot's state keeps: a
	// snapshot kept for another name is none (the scan exports, and its
	// export replaces it). "" is the tenant's domain. A `linkdesk emulator`
	// run is named by its run, so that the run after it at the address,
	// another tenant in the same directory, does not bring it up to date.
	Tenant string
	// Full exports even when the snapshot could be brought up to date.
	Full bool
	// ExportBytes is the size of an export file as stored (ExportFile), when
	// known: the scanner's index is sized from it instead of growing.
	ExportBytes int64
	// ExportName names the export file in ExportFile's errors, as the
	// operator gave it; "" says "the export file".
	ExportName string
	// MaxAge is the age past which a snapshot is replaced by an export
	// (0: DefaultMaxSnapshotAge).
	MaxAge time.Duration
	// HoldCollector lets a one-shot scan of a large tenant hold the garbage
	// collector off while it builds its report (see Options.HoldCollector):
	// for a process that does nothing else, never for the terminal UI.
	HoldCollector bool
	// Written are the users linkdesk itself wrote on this tenant (its audit
	// log's records, which the caller reads: scan reads no audit log), each
	// with when. Bringing the snapshot up to date reads by id, which is
	// consistent, those written since the snapshot's ChangesSince: a link,
	// an unlink, a deletion or an account made again shows in the scan right
	// after it, although search, eventually consistent, may not show it yet.
	Written []Written
}

// tenant is the name the snapshot is kept for (Request.Tenant).
func (req Request) tenant(t client.Tenant) string {
	if req.Tenant != "" {
		return req.Tenant
	}
	return t.Domain()
}

// Written is a user that linkdesk wrote (linked, unlinked, deleted, made
// again, changed), and when its audit log says it did.
type Written struct {
	UserID string
	At     time.Time
}

// Progress is one snapshot of a scan of a tenant, for progress lines and bars.
type Progress struct {
	Stage   string // "connections", "export", "download", "scan", "done"
	JobID   string
	Job     string // the export job's status
	Percent int    // the export job's percentage_done
	Users   int    // users scanned so far
	Bytes   int64  // export bytes read so far
	Skipped int    // malformed lines skipped so far
}

func (p Progress) String() string {
	switch p.Stage {
	case "connections":
		return "reading connections…"
	case "changes":
		return "reading what changed since the snapshot…"
	case "export":
		if p.Job == "completed" { // the job may report 0% once done: the file is ready
			return fmt.Sprintf("export job %s completed, downloading…", p.JobID)
		}
		return fmt.Sprintf("export job %s: %s %d%%", p.JobID, p.Job, p.Percent)
	case "download", "scan":
		s := fmt.Sprintf("scanning export %s: %d users, %.1f MB", p.JobID, p.Users, float64(p.Bytes)/1e6)
		if p.Skipped > 0 {
			s += fmt.Sprintf(", %d malformed lines skipped", p.Skipped)
		}
		return s
	case "done":
		return fmt.Sprintf("scanned %d users", p.Users)
	}
	return p.Stage
}

// ReadConnections reads the tenant's connections.
func ReadConnections(ctx context.Context, t client.Tenant) (*linking.Connections, error) {
	list, err := t.Connections(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading connections: %w", err)
	}
	return linking.ConnectionsFromClient(list), nil
}

// checkConnection refuses a --connection name the tenant does not have.
// With inferred connections it cannot know them yet, so it lets it pass.
func checkConnection(conns *linking.Connections, name string) error {
	if name == "" || conns.Inferred() {
		return nil
	}
	if err := conns.Check(name); err != nil {
		return unknownConnectionError{err}
	}
	return nil
}

// ErrUnknownConnection matches the error of a --connection name that the
// tenant does not have (errors.Is).
var ErrUnknownConnection = errors.New("unknown connection")

type unknownConnectionError struct{ error }

func (unknownConnectionError) Is(target error) bool { return target == ErrUnknownConnection }

// Tenant reads the tenant's connections (unless the request has them) and
// then its users: the whole
// tenant through an export job, or one address. It is the one scan behind
// `linkdesk scan`, `linkdesk plan` and the terminal UI.
func Tenant(ctx context.Context, t client.Tenant, req Request) (*linking.Report, error) {
	progress := req.Progress
	if progress == nil {
		progress = func(Progress) {}
	}
	conns := req.Connections
	if conns == nil {
		progress(Progress{Stage: "connections"})
		var err error
		if conns, err = ReadConnections(ctx, t); err != nil {
			return nil, err
		}
	}
	if err := checkConnection(conns, req.Connection); err != nil {
		return nil, err
	}
	started := time.Now().UTC()
	// The calls of a refresh that ends in an export count for the export.
	var calls int64
	se, _ := t.(client.Searcher)
	if se != nil {
		calls = se.APICalls()
	}
	if req.Email != "" {
		users, err := t.UsersByEmail(ctx, strings.TrimSpace(req.Email))
		if err == nil && req.MoreHolders != nil {
			users, err = req.MoreHolders(ctx, req.Email, users)
		}
		if err != nil {
			return nil, fmt.Errorf("reading the accounts of %s: %w", req.Email, err)
		}
		s := New(conns, Options{Connection: req.Connection})
		for _, u := range users {
			s.Add(linking.AccountFromUser(u, conns))
		}
		progress(Progress{Stage: "done", Users: len(users)})
		rep := s.Report(linking.ReportMeta{Tenant: t.Domain(), ScannedAt: started, Method: linking.MethodSearch})
		if se != nil {
			rep.APICalls = int(se.APICalls() - calls)
		}
		if len(rep.Groups) == 0 && len(users) == 1 { // one account alone on the address: report it all the same
			a := linking.AccountFromUser(users[0], conns)
			a.Identifier = a.PrimaryIdentifier(conns)
			if involves(&linking.Group{Accounts: []*linking.Account{&a}}, req.Connection) { // as a group is
				rep.Single = []*linking.Account{&a}
			}
		}
		rep.Email = req.Email
		return rep, nil
	}

	if req.Snapshot != "" && !req.Full {
		rep, err := refresh(ctx, t, conns, req, started)
		var need errNeedExport
		if !errors.As(err, &need) {
			if err != nil {
				return nil, fmt.Errorf("bringing the snapshot up to date: %w", err)
			}
			progress(Progress{Stage: "done", Users: rep.UsersScanned, Skipped: rep.SkippedLines})
			return rep, nil
		}
	}
	var keep *snapshotWriter
	expect := 0
	if req.Snapshot != "" {
		if old, err := OpenSnapshot(req.Snapshot, req.tenant(t)); err == nil {
			expect = old.State.Emails
		}
		keep, _ = newSnapshotWriter(req.Snapshot) // without one, the scan goes on and keeps nothing
	}
	exportReq := client.ExportRequest{}
	if keep != nil {
		exportReq.Keep = keep.copy
		defer func() {
			if keep != nil {
				keep.abort()
			}
		}()
	}
	// The download reports on the goroutine that reads it; the scan's
	// progress runs on the scanning one.
	var jobMu sync.Mutex
	var job client.ExportProgress
	stream, err := t.ExportUsers(ctx, exportReq, func(p client.ExportProgress) {
		jobMu.Lock()
		job = p
		jobMu.Unlock()
		if p.Status != "downloading" && p.Status != "downloaded" {
			progress(Progress{Stage: "export", JobID: p.JobID, Job: p.Status, Percent: p.Percent})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("exporting users: %w", err)
	}
	defer stream.Close()
	var index *snapshotIndex
	if keep != nil {
		index = &snapshotIndex{}
	}
	report, err := scanStream(ctx, stream, conns, req, expect, func(sp Counts) {
		jobMu.Lock()
		j := job
		jobMu.Unlock()
		progress(Progress{Stage: "scan", JobID: j.JobID, Job: j.Status, Percent: 100, Users: sp.Users, Bytes: sp.Bytes, Skipped: sp.Skipped})
	}, index)
	if err != nil {
		return nil, err
	}
	report.Tenant, report.ScannedAt, report.Method = t.Domain(), started, linking.MethodExport
	if keep != nil && se != nil {
		st := SnapshotState{Tenant: req.tenant(t), BaseAt: started, Emails: report.AccountsWithEmail, Connections: conns.Listed()}
		st.Index = index.write(req.Snapshot, started)
		if oldest, err := se.Logs(ctx, "", 1); err == nil {
			if len(oldest) > 0 {
				st.LogOldest = &LogMark{ID: oldest[0].LogID, Date: oldest[0].Date}
			} else {
				st.LogEmpty = true
			}
		}
		if keep.commit(st) == nil {
			keep = nil
		}
	}
	if se != nil {
		report.APICalls = int(se.APICalls() - calls)
	}
	jobMu.Lock()
	jobID := job.JobID
	jobMu.Unlock()
	progress(Progress{Stage: "done", JobID: jobID, Users: report.UsersScanned, Skipped: report.SkippedLines})
	return report, nil
}

// ExportFile scans an export already downloaded (decompressed NDJSON in
// r). conns may be nil: connections are then inferred from the users. A
// file with no line at all is an empty tenant; one with lines of which not
// one is a user is no users export, and its error (ErrNotAnExport) says
// what the file looks like.
func ExportFile(ctx context.Context, r io.Reader, conns *linking.Connections, req Request) (*linking.Report, error) {
	if conns == nil {
		conns = linking.InferConnections()
	}
	if err := checkConnection(conns, req.Connection); err != nil {
		return nil, err
	}
	progress := req.Progress
	if progress == nil {
		progress = func(Progress) {}
	}
	started := time.Now().UTC()
	head := &headReader{r: r}
	report, err := scanStream(ctx, head, conns, req, int(req.ExportBytes/bytesPerEmail), func(sp Counts) {
		progress(Progress{Stage: "scan", Users: sp.Users, Bytes: sp.Bytes, Skipped: sp.Skipped})
	}, nil)
	if err != nil {
		return nil, err
	}
	// A JSON array is no export even where some of its lines, one object
	// each, read as users: the rest (a comma after each) would be lost.
	if report.UsersScanned == 0 && report.SkippedLines > 0 || startsArray(head.head) {
		return nil, notAnExport(req.ExportName, head.head, report)
	}
	report.ScannedAt, report.Method = started, linking.MethodFile
	progress(Progress{Stage: "done", Users: report.UsersScanned, Skipped: report.SkippedLines})
	return report, nil
}

// startsArray reports whether a file beginning with head is a JSON array:
// its first character, past a byte-order mark and white space, is '['.
func startsArray(head []byte) bool {
	first := bytes.TrimLeft(bytes.TrimPrefix(head, byteOrderMark), " \t\r\n")
	return len(first) > 0 && first[0] == '['
}

// ErrNotAnExport matches the error of an export file of which not one line
// is a user (errors.Is): a CSV export, a JSON array, another kind of file.
var ErrNotAnExport = errors.New("not a users export")

type notAnExportError struct{ msg string }

func (e notAnExportError) Error() string      { return e.msg }
func (notAnExportError) Is(target error) bool { return target == ErrNotAnExport }

// notAnExport says what the file named name looks like: it starts with
// head, and not one of its lines was a user.
func notAnExport(name string, head []byte, r *linking.Report) error {
	if name == "" {
		name = "the export file"
	}
	const format = "linkdesk reads the JSON (NDJSON) export format, one user object per line"
	first := bytes.TrimLeft(bytes.TrimPrefix(head, byteOrderMark), " \t\r\n")
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	} else if len(head) == headBytes { // a line longer than the head: not cut inside a character
		i := len(first) - 1
		for i > 0 && len(first)-i < utf8.UTFMax && !utf8.RuneStart(first[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(first[i:]) {
			first = first[:i]
		}
	}
	first = bytes.TrimRight(first, " \t\r")
	var msg string
	switch {
	case len(first) == 0: // blank as far as the head goes
	case first[0] == '[':
		msg = fmt.Sprintf("%s is a JSON array, not an export's one object per line; %s", name, format)
	case string(first) == "{":
		msg = fmt.Sprintf("%s is one JSON document over several lines, not an export's one object per line; %s", name, format)
	case !utf8.Valid(first) || bytes.ContainsFunc(first, func(c rune) bool { return c < ' ' && c != '\t' }):
		msg = fmt.Sprintf("%s is not text (compressed twice, or not an export at all?); %s", name, format)
	case first[0] != '{' && bytes.IndexByte(first, ',') >= 0:
		msg = fmt.Sprintf("%s is a CSV export; %s: export the users again with format \"json\"", name, format)
	}
	if msg == "" {
		msg = fmt.Sprintf("%s is not a users export: not one of its lines is a user; %s", name, format)
		if len(r.LineErrors) > 0 {
			msg += fmt.Sprintf(" (line %d: %s)", r.LineErrors[0].Line, r.LineErrors[0].Error)
		}
	}
	return notAnExportError{msg}
}

// headBytes is how much of an export file headReader keeps.
const headBytes = 4 << 10

// headReader keeps the first headBytes read through it, for telling what a
// file of which no line was a user looks like.
type headReader struct {
	r    io.Reader
	head []byte
}

func (h *headReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if k := min(n, headBytes-len(h.head)); k > 0 {
		h.head = append(h.head, p[:k]...)
	}
	return n, err
}

// bytesPerEmail is what an export file holds, compressed, for each address
// to index, at the least: a gzip users export of the fields linkdesk asks for
// holds about 80 bytes a user, a full one 140; an estimate too low only
// leaves the index to grow.
const bytesPerEmail = 100

// scanStream scans an export; with index, it fills it from the scan too
// (none for a scan of one connection: it is not the whole tenant).
func scanStream(ctx context.Context, r io.Reader, conns *linking.Connections, req Request, expectedEmails int, progress func(Counts), index *snapshotIndex) (*linking.Report, error) {
	s := New(conns, Options{Connection: req.Connection, Progress: progress, HoldCollector: req.HoldCollector, ExpectedEmails: expectedEmails})
	if err := s.ReadExport(ctxReader{ctx: ctx, r: r}); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if index != nil && req.Connection == "" {
		index.fill(s)
	}
	return s.finish(linking.ReportMeta{}), nil
}

// ctxReader stops a scan when its context is cancelled (esc in the UI).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
