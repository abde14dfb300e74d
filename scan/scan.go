package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/linkdesk/linkdesk/linking"
)

// Options configure a Scanner.
type Options struct {
	// Connection keeps only the groups that involve an account on this
	// connection (as its own or a linked identity), with all their accounts;
	// "" keeps every group. Every user is still read and counted.
	Connection string
	// Progress, when set, hears how the scan goes every few thousand lines
	// and once at the end of each export. It runs on the scanning goroutine.
	Progress func(Counts)
	// HoldCollector, for a scan that ends with its report in a process that
	// does nothing else meanwhile (the one-shot command line), lets the heap
	// grow further between collections while the export is read (what the
	// read allocates it mostly keeps), then collects what the scan left
	// behind and holds the garbage collector off while the report's
	// accounts are built from the records: collected together, the two
	// would let the heap grow to twice both. It changes process-wide GC
	// settings for those whiles, so a long-lived program (the terminal UI)
	// leaves it off.
	HoldCollector bool
	// ExpectedEmails, when known (a snapshot's last scan), sizes the email
	// index for that many addresses from the start.
	ExpectedEmails int
}

// Counts is a snapshot of a running scan.
type Counts struct {
	Lines   int64 // export lines read
	Bytes   int64 // export bytes read
	Users   int   // users scanned
	Skipped int   // malformed lines skipped
}

// Scanner groups accounts by normalized email in one streaming pass. It
// keeps every account that has an email in a compact form and builds full
// Accounts only for those in groups, when the report is made. A Scanner is
// not safe for concurrent use.
//
// An account with several distinct emails (its own and its linked
// identities') joins the group of each; in a report it is one *Account,
// listed in every group it belongs to, and the reasons of a group it joined
// through a linked identity say so.
type Scanner struct {
	conns *linking.Connections
	opts  Options
	cache connCache

	records  [][]record // chunks of recordChunk, never moved once written
	count    uint32
	verified []uint64          // a bit a record: email_verified
	provider map[uint32]string // a record's provider where it is not its connection's
	linked   map[uint32][]linking.Identity
	multi    map[uint32]bool // records with more than one email
	blocked  map[uint32]bool // blocked records (few)
	byEmail  *emailIndex     // ≥ 0: the only record with the email; < 0: ^index in groups
	groups   []groupSlot
	emails   []string // scratch
	hashes   []uint32 // scratch

	skip map[string]bool // user ids ReadExport passes over (SkipUsers)

	users, withEmail int
	lines, bytes     int64
	skipped          int
	lineErrors       []linking.LineError
	unusable         int                     // accounts with an email, none usable
	unusableEmails   []linking.UnusableEmail // the first maxLineErrors of them by user id
}

type groupSlot struct {
	email   string
	members []uint32
}

const (
	recordChunk   = 1 << 14
	maxLineErrors = 100
	progressEvery = 1 << 14
)

// New starts an empty scan. conns may be nil: the scan then learns
// connections from the users (inferred mode).
func New(conns *linking.Connections, opts Options) *Scanner {
	if conns == nil {
		conns = linking.InferConnections()
	}
	return &Scanner{
		conns: conns, opts: opts, cache: connCache{set: conns}, byEmail: newEmailIndexFor(opts.ExpectedEmails),
		provider: map[uint32]string{}, linked: map[uint32][]linking.Identity{}, multi: map[uint32]bool{}, blocked: map[uint32]bool{},
	}
}

// SkipUsers makes the following ReadExport calls pass over the lines of
// these user ids as if they were not there: neither counted nor grouped.
// An incremental scan reads its snapshot so, leaving out the users that
// changed since (read afresh) or were deleted. ids must not change while a
// ReadExport runs.
func (s *Scanner) SkipUsers(ids map[string]bool) { s.skip = ids }

// Has reports whether an account with userID was scanned with email (as
// normalized) among its emails.
func (s *Scanner) Has(email, userID string) bool {
	v, ok := s.byEmail.get(email)
	if !ok {
		return false
	}
	if v >= 0 {
		return s.record(uint32(v)).field(0) == userID
	}
	for _, idx := range s.groups[^v].members {
		if s.record(idx).field(0) == userID {
			return true
		}
	}
	return false
}

// Add scans one account (the users-by-email and API path).
func (s *Scanner) Add(a linking.Account) {
	s.add(recordOf(&a, s.conns))
}

func (s *Scanner) add(r record, x recordExtra) {
	s.emails = emailsOf(s.emails[:0], r, x)
	s.hashes = s.hashes[:0]
	for _, e := range s.emails {
		s.hashes = append(s.hashes, s.byEmail.hash(e))
	}
	s.index(r, x, s.emails, s.hashes)
}

// emailsOf appends the distinct normalized emails of an account: its own,
// then its linked identities'. What emails holds already (the emails of
// the lines before it in a chunk) is no concern of this account's.
func emailsOf(emails []string, r record, x recordExtra) []string {
	from := len(emails)
	if e := linking.NormalizeEmail(r.email()); e != "" {
		emails = append(emails, e)
	}
	for _, l := range x.linked {
		if e := linking.NormalizeEmail(l.Email); e != "" && !slices.Contains(emails[from:], e) {
			emails = append(emails, e)
		}
	}
	return emails
}

// index counts an account and, when it has emails, keeps its record and
// joins it to the group of each.
func (s *Scanner) index(r record, x recordExtra, emails []string, hashes []uint32) {
	s.users++
	if len(emails) == 0 {
		s.countUnusable(r, x)
		return // counted, not grouped
	}
	s.withEmail++
	idx := s.store(r)
	if x.verified {
		s.verified[idx/64] |= 1 << (idx % 64)
	}
	if r.conn == noConnection || x.provider != s.cache.providerOf(r.conn) {
		s.provider[idx] = x.provider
	}
	if x.linked != nil {
		s.linked[idx] = x.linked
	}
	if len(emails) > 1 {
		s.multi[idx] = true
	}
	if x.blocked {
		s.blocked[idx] = true
	}
	for i, e := range emails {
		s.join(e, hashes[i], idx)
	}
}

// countUnusable counts an account with no email to group by that holds
// one all the same (linking.EmailProblem), so that the report says where
// it went: an address that lost a character is grouped with no other, as
// two such mailboxes may read alike, and is neither an account without an
// email nor silently dropped.
func (s *Scanner) countUnusable(r record, x recordExtra) {
	email, problem := r.email(), linking.EmailProblem(r.email())
	for _, l := range x.linked {
		if problem != "" {
			break
		}
		email, problem = l.Email, linking.EmailProblem(l.Email)
	}
	if problem == "" {
		return // no email at all
	}
	s.unusable++
	// The first by user id, whatever order the accounts are read in: an
	// incremental scan's report is a full scan's.
	id := r.field(0)
	i, _ := slices.BinarySearchFunc(s.unusableEmails, id, func(e linking.UnusableEmail, id string) int { return strings.Compare(e.UserID, id) })
	if i == maxLineErrors {
		return
	}
	if len(s.unusableEmails) == maxLineErrors {
		s.unusableEmails = s.unusableEmails[:maxLineErrors-1]
	}
	s.unusableEmails = slices.Insert(s.unusableEmails, i, linking.UnusableEmail{
		UserID: strings.Clone(id), Email: strings.Clone(email), Error: problem,
	})
}

// Hidden are the accounts scanned that an email lookup (users-by-email,
// the search) cannot find under an email they hold: through a linked
// identity's profile, or under a spelling with white space around it. They
// are keyed by normalized email, whether another account shares it or not:
// an account alone on such an address at the scan is found when another
// one joins it later.
func (s *Scanner) Hidden() map[string][]string {
	out := map[string][]string{}
	var emails []string
	for idx := range s.count {
		r := s.record(idx)
		own := r.email()
		spaced := strings.TrimSpace(own) != own
		if !spaced && s.linked[idx] == nil {
			continue // its one email is its own, as an email lookup finds it
		}
		ownKey := linking.NormalizeEmail(own)
		emails = emailsOf(emails[:0], *r, recordExtra{linked: s.linked[idx]})
		for _, e := range emails {
			if spaced || e != ownKey {
				out[e] = append(out[e], strings.Clone(r.field(0)))
			}
		}
	}
	return out
}

// LinkedNames are the accounts scanned that hold an identity linked into
// them, by that identity's user id (provider|id), username (lower case)
// and phone number (its digits): no search finds them so at once (Auth0
// searches no linked identity's profile, and its search lags a link).
func (s *Scanner) LinkedNames() LinkedNames {
	out := NewLinkedNames()
	for idx, linked := range s.linked {
		id := strings.Clone(s.record(idx).field(0))
		for _, l := range linked {
			out.Add(out.IDs, l.Provider+"|"+l.UserID, id)
			out.Add(out.Usernames, UsernameKey(l.Username), id)
			out.Add(out.Phones, PhoneKey(l.PhoneNumber), id)
		}
	}
	return out
}

// LinkedNames index the accounts holding linked identities by those
// identities' user ids, usernames (UsernameKey) and phone numbers
// (PhoneKey).
type LinkedNames struct {
	IDs, Usernames, Phones map[string][]string
}

// NewLinkedNames is an empty index.
func NewLinkedNames() LinkedNames {
	return LinkedNames{IDs: map[string][]string{}, Usernames: map[string][]string{}, Phones: map[string][]string{}}
}

// Add files the account id under key in to (one of n's maps), once.
func (LinkedNames) Add(to map[string][]string, key, id string) {
	if key != "" && !slices.Contains(to[key], id) {
		to[key] = append(to[key], id)
	}
}

// UsernameKey is what a username is looked up by: Auth0 matches usernames
// whatever their case.
func UsernameKey(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// PhoneKey is what a phone number is looked up by: its digits, however it
// was written.
func PhoneKey(phone string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
}

func (s *Scanner) store(r record) uint32 {
	idx := s.count
	if int(idx/recordChunk) == len(s.records) {
		s.records = append(s.records, make([]record, 0, recordChunk))
		s.verified = append(s.verified, make([]uint64, recordChunk/64)...)
	}
	c := &s.records[idx/recordChunk]
	*c = append(*c, r)
	s.count++
	return idx
}

func (s *Scanner) record(idx uint32) *record { return &s.records[idx/recordChunk][idx%recordChunk] }

// accountOf materializes record idx, r being the record or a copy of it
// whose text (its first five fields at least) lies elsewhere; linked
// identities get their own copies of their strings, so that the account
// holds nothing of the scanner's text. cache is the calling goroutine's.
func (s *Scanner) accountOf(idx uint32, r *record, cache *connCache) linking.Account {
	x := recordExtra{verified: s.verified[idx/64]&(1<<(idx%64)) != 0, blocked: s.blocked[idx]}
	if linked := s.linked[idx]; linked != nil {
		x.linked = make([]linking.Identity, len(linked))
		for i, l := range linked {
			l.UserID, l.Email = strings.Clone(l.UserID), strings.Clone(l.Email)
			l.Username, l.PhoneNumber, l.Name = strings.Clone(l.Username), strings.Clone(l.PhoneNumber), strings.Clone(l.Name)
			x.linked[i] = l
		}
	}
	var ok bool
	if x.provider, ok = s.provider[idx]; !ok {
		x.provider = cache.providerOf(r.conn)
	}
	return r.account(s.conns, x)
}

func (s *Scanner) join(email string, hash uint32, idx uint32) {
	v, found := s.byEmail.slotHashed(email, hash, int32(idx))
	switch {
	case !found:
	case *v >= 0:
		s.groups = append(s.groups, groupSlot{email: email, members: []uint32{uint32(*v), idx}})
		*v = ^int32(len(s.groups) - 1)
	default:
		g := &s.groups[^*v]
		g.members = append(g.members, idx)
	}
}

// ReadExport scans a users export: NDJSON, already decompressed, one user a
// line (a UTF-8 byte-order mark before the first is skipped). Reading (and
// the decompression inside r) runs on its own goroutine, lines are decoded
// a chunk at a time on one goroutine a CPU, and the decoded accounts are
// indexed here in the order of the file, so that decompression, decoding
// and indexing overlap. A malformed line is recorded with its line number
// and skipped; blank lines are ignored. The error is r's, after every
// complete line before it has been scanned.
func (s *Scanner) ReadExport(r io.Reader) error {
	if s.opts.HoldCollector {
		defer readWindow()()
	}
	const buffers = 8
	chunks := make(chan []byte, buffers)
	free := make(chan []byte, buffers)
	for range buffers {
		free <- nil
	}
	var readErr error
	go func() {
		defer close(chunks)
		readErr = readLines(r, chunks, free)
	}()

	type job struct {
		chunk []byte
		out   *decodedChunk
		done  chan struct{}
	}
	jobs := make(chan *job, buffers)
	order := make(chan *job, buffers)
	spare := make(chan *decodedChunk, 2*buffers)
	go func() {
		defer close(jobs)
		defer close(order)
		for chunk := range chunks {
			j := &job{chunk: chunk, done: make(chan struct{})}
			select {
			case j.out = <-spare:
			default:
				j.out = new(decodedChunk)
			}
			jobs <- j
			order <- j
		}
	}()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		w := &decodeWorker{conns: s.conns, skip: s.skip, hash: s.byEmail.hash}
		wg.Go(func() {
			for j := range jobs {
				w.decode(j.chunk, j.out)
				free <- j.chunk[:0]
				close(j.done)
			}
		})
	}
	for j := range order {
		<-j.done
		s.indexChunk(j.out)
		select {
		case spare <- j.out:
		default:
		}
	}
	wg.Wait()
	s.progress()
	if readErr != nil {
		return fmt.Errorf("reading the export after line %d: %w", s.lines, readErr)
	}
	return nil
}

// decodedChunk is a chunk of export lines as a decode worker leaves them for
// the scanner to index, in order.
type decodedChunk struct {
	lines  []decodedLine
	emails []string // the lines' normalized emails, back to back
	hashes []uint32 // their hashes in the scanner's email index
}

type decodedLine struct {
	r      record
	x      recordExtra
	emails uint32 // where the line's emails end in decodedChunk.emails
	size   uint32 // bytes of the line, its newline included
	state  lineState
	err    string // a malformed line's error
}

type lineState uint8

const (
	lineBlank     lineState = iota
	lineMalformed           // skipped; err says why
	lineCounted             // a user with no email: counted, not grouped
	lineKept                // a user with an email: r and x are kept
)

// decodeWorker decodes chunks of lines on one goroutine: its own decoder,
// connection cache and text arena.
type decodeWorker struct {
	conns *linking.Connections
	skip  map[string]bool
	hash  func(string) uint32 // the scanner's email index's
	dec   lineDecoder
	text  textArena
}

func (w *decodeWorker) decode(chunk []byte, out *decodedChunk) {
	out.lines, out.emails, out.hashes = out.lines[:0], out.emails[:0], out.hashes[:0]
	d := &w.dec
	for rest := chunk; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		out.lines = append(out.lines, decodedLine{size: uint32(len(line)) + 1})
		l := &out.lines[len(out.lines)-1]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := d.decode(line); err != nil {
			l.state, l.err = lineMalformed, err.Error()
			continue
		}
		if len(d.userID()) == 0 {
			// Nothing could name the account, act on it or match it again.
			l.state, l.err = lineMalformed, "no user_id, and no identity with a provider and a user_id to name the account"
			continue
		}
		if len(w.skip) > 0 && w.skip[string(d.userID())] {
			continue // as if blank: a newer copy of the user comes later, or none
		}
		if !d.hasEmail() {
			l.state = lineCounted // nothing to keep
			continue
		}
		text, ends := d.assemble()
		l.r, l.x = d.record(w.text.str(text), ends, w.conns)
		out.emails = emailsOf(out.emails, l.r, l.x)
		for _, e := range out.emails[len(out.hashes):] {
			out.hashes = append(out.hashes, w.hash(e))
		}
		l.state, l.emails = lineKept, uint32(len(out.emails))
	}
}

// indexChunk counts and indexes a decoded chunk's lines, in order.
func (s *Scanner) indexChunk(c *decodedChunk) {
	from := uint32(0)
	for i := range c.lines {
		l := &c.lines[i]
		s.lines++
		s.bytes += int64(l.size)
		if s.opts.Progress != nil && s.lines%progressEvery == 0 {
			s.progress()
		}
		switch l.state {
		case lineMalformed:
			s.skipped++
			if len(s.lineErrors) < maxLineErrors {
				s.lineErrors = append(s.lineErrors, linking.LineError{Line: s.lines, Error: l.err})
			}
		case lineCounted:
			s.users++
		case lineKept:
			s.index(l.r, l.x, c.emails[from:l.emails], c.hashes[from:l.emails])
			from = l.emails
		}
		l.r, l.x = record{}, recordExtra{} // the chunk is reused: hold nothing
	}
}

// readChunkSize is how much of the export one hand-off carries.
const readChunkSize = 1 << 20

// byteOrderMark is UTF-8's byte-order mark, which some tools write at the
// start of a text file.
var byteOrderMark = []byte("\uFEFF")

// readLines fills buffers from free with whole lines of r and sends them on;
// a line longer than a buffer grows it. At the end the last line goes out
// even without its newline. A byte-order mark at the start of r is left out.
func readLines(r io.Reader, out chan<- []byte, free <-chan []byte) error {
	var carry []byte
	for first := true; ; first = false {
		buf := <-free
		if cap(buf) < readChunkSize || cap(buf) < 2*len(carry) {
			buf = make([]byte, 0, max(readChunkSize, 2*len(carry)))
		}
		buf = append(buf[:0], carry...)
		var err error
		for len(buf) < cap(buf) && err == nil {
			var n int
			n, err = r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
		}
		if first && bytes.HasPrefix(buf, byteOrderMark) {
			buf = append(buf[:0], buf[len(byteOrderMark):]...) // a file saved by an editor on Windows
		}
		if errors.Is(err, io.EOF) {
			out <- buf
			return nil
		}
		last := bytes.LastIndexByte(buf, '\n')
		if err != nil {
			out <- buf[:last+1] // complete lines only
			return err
		}
		carry = append(carry[:0], buf[last+1:]...)
		out <- buf[:last+1]
	}
}

func (s *Scanner) progress() {
	if s.opts.Progress != nil {
		s.opts.Progress(Counts{Lines: s.lines, Bytes: s.bytes, Users: s.users, Skipped: s.skipped})
	}
}

// Report classifies every group of two or more accounts and returns them in
// report order. Groups are built and classified in parallel, one worker a
// CPU. The scanner is left as it was: more users may be added and another
// report made.
func (s *Scanner) Report(meta linking.ReportMeta) *linking.Report { return s.report(meta, false) }

// finish is Report for a scan that ends with it: what only the scanner needs
// is let go as soon as the report no longer needs it (the email index
// first, then the records once the accounts are built), so that a large
// tenant's scanner and report are not held whole at once. The scanner is
// spent.
func (s *Scanner) finish(meta linking.ReportMeta) *linking.Report { return s.report(meta, true) }

func (s *Scanner) report(meta linking.ReportMeta, spend bool) *linking.Report {
	rep := &linking.Report{
		Version: linking.ReportVersion, Tenant: meta.Tenant, ScannedAt: meta.ScannedAt, Method: meta.Method,
		UsersScanned: s.users, AccountsWithEmail: s.withEmail, SkippedLines: s.skipped,
		LineErrors: append([]linking.LineError(nil), s.lineErrors...), Connection: s.opts.Connection,
		AccountsWithUnusableEmail: s.unusable, UnusableEmails: append([]linking.UnusableEmail(nil), s.unusableEmails...),
	}
	endWindow := func() {}
	if spend {
		s.byEmail = nil
		if s.opts.HoldCollector && s.count >= buildWindowMin {
			endWindow = buildWindow()
		}
	}
	// An account with several emails is in several groups: it is built
	// once, here, and the workers below only read it.
	shared := make(map[uint32]*linking.Account, len(s.multi))
	for idx := range s.multi {
		r := *s.record(idx)
		r.text = strings.Clone(r.text[:r.ends[4]])
		acc := s.accountOf(idx, &r, &s.cache)
		acc.Identifier = acc.PrimaryIdentifier(s.conns)
		shared[idx] = &acc
	}
	// Each group is classified as soon as it is built, while its accounts
	// are in the cache. An account in several groups is classified in each:
	// Classify writes its Identifier only when it changes.
	groups := make([]*linking.Group, len(s.groups))
	parallel(len(s.groups), func() func(i int) {
		b := &groupBuilder{s: s, shared: shared, cache: connCache{set: s.conns}}
		return func(i int) {
			if g := b.group(&s.groups[i]); len(g.Accounts) >= 2 && involves(g, s.opts.Connection) {
				groups[i] = g
			}
		}
	})
	if spend {
		s.records, s.verified, s.provider, s.linked, s.multi, s.blocked, s.groups = nil, nil, nil, nil, nil, nil, nil
		endWindow()
	}
	groups = slices.DeleteFunc(groups, func(g *linking.Group) bool { return g == nil })
	parallel(len(groups), func() func(i int) {
		return func(i int) { linking.Classify(groups[i], s.conns) }
	})
	rep.Groups = groups
	linking.SortGroups(rep.Groups)
	return rep
}

// buildWindow opens the stretch of a one-shot report in which its
// accounts are built from the records: what the scan left behind (the
// email index, scratch) is collected first, then no collection starts until
// the returned func ends the window, once the records are let go. A
// collection inside the window would find the scanner and the report under
// way both alive and let the heap grow to twice both; the window itself
// makes almost no garbage, so nothing is lost by waiting. One window at a
// time: a scan finishing while another is in its window builds as usual.
func buildWindow() (end func()) {
	runtime.GC()
	if !inBuildWindow.TryLock() {
		return func() {}
	}
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		inBuildWindow.Unlock()
	}
}

var inBuildWindow sync.Mutex

// readWindow lets the heap of a one-shot scan grow further between
// collections while the export is read: what the read keeps is nearly all
// of what it allocates, so a collection finds little to free, and each one
// costs the decoders its marking and write barriers. The returned func
// restores the setting. One window at a time, shared with buildWindow's lock.
func readWindow() (end func()) {
	if !inBuildWindow.TryLock() {
		return func() {}
	}
	percent := debug.SetGCPercent(readGCPercent)
	if percent < 0 || percent > readGCPercent {
		debug.SetGCPercent(percent) // already off or laxer: left as it is
	}
	return func() {
		debug.SetGCPercent(percent)
		inBuildWindow.Unlock()
	}
}

// readGCPercent is the collector's setting while a one-shot scan reads.
const readGCPercent = 400

// buildWindowMin is the number of kept records from which a one-shot report
// opens a build window: below it, both fit in a heap small enough not to
// be worth a collection.
const buildWindowMin = 1 << 16

// groupBuilder builds groups for one goroutine, taking their Group,
// accounts and account lists from slabs: a few allocations a thousand
// groups instead of three a group.
type groupBuilder struct {
	s        *Scanner
	shared   map[uint32]*linking.Account
	cache    connCache
	groups   []linking.Group
	accounts []linking.Account
	ptrs     []*linking.Account
	text     []byte // the group's text being gathered
}

const builderSlab = 1024 // groups a slab holds, on average

// group builds the accounts of one group slot; an account that is in
// another group too comes from shared.
func (b *groupBuilder) group(slot *groupSlot) *linking.Group {
	n := len(slot.members)
	if len(b.groups) == cap(b.groups) {
		b.groups = make([]linking.Group, 0, builderSlab)
	}
	if cap(b.accounts)-len(b.accounts) < n {
		b.accounts = make([]linking.Account, 0, max(n, 2*builderSlab))
	}
	if cap(b.ptrs)-len(b.ptrs) < n {
		b.ptrs = make([]*linking.Account, 0, max(n, 2*builderSlab))
	}
	// The group's email and its accounts' text in one string of its own.
	b.text = append(b.text[:0], slot.email...)
	for _, idx := range slot.members {
		if b.shared[idx] == nil {
			r := b.s.record(idx)
			b.text = append(b.text, r.text[:r.ends[4]]...)
		}
	}
	text := string(b.text)
	b.groups = append(b.groups, linking.Group{Email: text[:len(slot.email)], Accounts: b.ptrs[len(b.ptrs) : len(b.ptrs) : len(b.ptrs)+n]})
	g := &b.groups[len(b.groups)-1]
	text = text[len(slot.email):]
	own := b.accounts[len(b.accounts) : len(b.accounts) : len(b.accounts)+n]
	var seen map[string]int // user id → position, for large groups
	if n > smallGroup {
		seen = make(map[string]int, n)
	}
	for _, idx := range slot.members {
		a := b.shared[idx]
		if a == nil {
			r := *b.s.record(idx)
			r.text, text = text[:r.ends[4]], text[r.ends[4]:]
			own = append(own, b.s.accountOf(idx, &r, &b.cache))
			a = &own[len(own)-1]
		}
		g.Accounts = appendAccount(g.Accounts, a, seen)
	}
	b.accounts = b.accounts[:len(b.accounts)+len(own)]
	b.ptrs = b.ptrs[:len(b.ptrs)+len(g.Accounts)]
	return g
}

// parallel calls the function work returns for every i in [0, n), on one
// goroutine a CPU, a batch of i at a time; work is called once a goroutine,
// for its own state.
func parallel(n int, work func() func(i int)) {
	const batch = 256
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n/batch+1) {
		wg.Go(func() {
			do := work()
			for {
				end := int(next.Add(batch))
				start := end - batch
				if start >= n {
					return
				}
				for i := start; i < min(end, n); i++ {
					do(i)
				}
			}
		})
	}
	wg.Wait()
}

// smallGroup is the size up to which a group is searched for a repeated user
// id rather than indexed.
const smallGroup = 16

// appendAccount adds a to a group, replacing an earlier account with the same
// user id (an export holding a user twice): the later line wins. seen, when
// not nil, indexes the list by user id.
func appendAccount(list []*linking.Account, a *linking.Account, seen map[string]int) []*linking.Account {
	if seen != nil {
		if i, ok := seen[a.UserID]; ok {
			list[i] = a
			return list
		}
		seen[a.UserID] = len(list)
		return append(list, a)
	}
	for i, b := range list {
		if b.UserID == a.UserID {
			list[i] = a
			return list
		}
	}
	return append(list, a)
}

// involves reports whether an account of g is on connection (its own or a
// linked identity's); every group involves "".
func involves(g *linking.Group, connection string) bool {
	if connection == "" {
		return true
	}
	for _, a := range g.Accounts {
		if a.Connection == connection {
			return true
		}
		for _, l := range a.Linked {
			if l.Connection == connection {
				return true
			}
		}
	}
	return false
}
