package scan

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// DefaultMaxSnapshotAge is how old a snapshot may be and still be brought up
// to date; an older one is replaced by a full export.
const DefaultMaxSnapshotAge = 24 * time.Hour

// searchMargin is how far before the last refresh the next one looks: user
// search and the log are eventually consistent, so a change made just before
// a refresh may only show after it.
const searchMargin = 5 * time.Minute

// groupBatch is how many addresses one search for the groups of changed
// emails asks for: email:("a" OR "b" …).
const groupBatch = 40

// errNeedExport says why a snapshot cannot be brought up to date: the scan
// exports instead.
type errNeedExport struct{ why string }

func (e errNeedExport) Error() string { return "a full export is needed: " + e.why }

// LogMark is an event of the tenant's log that a snapshot remembers: the
// oldest one the log held at the full scan.
type LogMark struct {
	ID   string    `json:"id"`
	Date time.Time `json:"date"`
}

// refresh brings the snapshot in req.Snapshot up to date and returns the
// report of the tenant as it now is, reading only what changed since the
// snapshot: the users created or updated since (searches on updated_at,
// which creation sets too, each window split until it is under the
// 1,000-result cap), the groups of their emails (batched searches), the
// users deleted since (the log's sdu events, where the log reaches back that
// far) unless made again after their deletion, and the users linked since
// into a changed user (its identities after the first). Search is
// eventually consistent: the report is shown, never written from; every
// write re-reads its users by id. The users linkdesk wrote itself since
// (req.Written) are read by id too, and what those reads say wins over
// search: gone (deleted, or linked into another account) or as they are
// now, whatever search still says of them.
func refresh(ctx context.Context, t client.Tenant, conns *linking.Connections, req Request, started time.Time) (*linking.Report, error) {
	se, ok := t.(client.Searcher)
	if !ok {
		return nil, errNeedExport{"this tenant cannot be searched"}
	}
	snap, err := OpenSnapshot(req.Snapshot, req.tenant(t))
	if err != nil {
		return nil, errNeedExport{err.Error()}
	}
	maxAge := req.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxSnapshotAge
	}
	if age := snap.Age(started); age > maxAge || age < -searchMargin {
		return nil, errNeedExport{fmt.Sprintf("the snapshot is %s old", age.Round(time.Second))}
	}
	calls := se.APICalls()
	progress := req.Progress
	if progress == nil {
		progress = func(Progress) {}
	}
	progress(Progress{Stage: "changes"})
	since := snap.ChangesSince()

	deleted, err := deletedSince(ctx, se, snap, since)
	if err != nil {
		return nil, err
	}
	changed, err := changedBetween(ctx, se, since, started)
	if err != nil {
		return nil, err
	}
	// The users linkdesk wrote since, as they are now: in place of the
	// copies search found of them (which may be from before the write), and
	// the ones gone (a 404: deleted, or linked away, whose sdu event or
	// primary search may not show yet) left out wherever search finds them.
	current, absent, err := readWritten(ctx, t, req.Written, since)
	if err != nil {
		return nil, err
	}
	present := make(map[string]bool, len(current))
	if len(current)+len(absent) > 0 {
		read := make(map[string]bool, len(current)+len(absent))
		for _, u := range current {
			present[u.UserID], read[u.UserID] = true, true
		}
		for _, id := range absent {
			read[id] = true
			deleted[id] = time.Time{} // gone now, whenever it went: after any creation search still shows
		}
		changed = append(slices.DeleteFunc(changed, func(u client.User) bool { return read[u.UserID] }), current...)
	}
	// A link makes the secondary an identity of the primary: no longer a
	// user, and the log has no sdu event for it. The primary's updated_at
	// moves, so the changed users name every account linked since.
	linked := linkedInto(changed)
	gone := func(u client.User) bool {
		if present[u.UserID] { // read by id just now: a user
			return false
		}
		// Deleted, unless made again with the same user_id after its last
		// deletion (linkdesk's undo does): search lags, so a user it still
		// finds may be the one deleted. created_at and the event's date
		// are both the tenant's clock, to the millisecond; a deletion and
		// the request that makes the user again may fall in the same one.
		if at, ok := deleted[u.UserID]; ok && (at.IsZero() || u.CreatedAt.Before(at)) {
			return true
		}
		// Linked into another user as of that user's last update, and not
		// changed since: an unlink makes it a user again, created (and
		// updated) anew, as the primary's own updated_at moves.
		at, ok := linked[u.UserID]
		return ok && !u.UpdatedAt.After(at)
	}
	fresh := map[string][]byte{} // user id → its line, read now
	skip := map[string]bool{}    // the snapshot's lines not to read
	for id := range deleted {
		skip[id] = true
	}
	for id := range linked {
		skip[id] = true
	}
	var emails []string
	for _, u := range changed {
		if gone(u) || fresh[u.UserID] != nil {
			continue
		}
		line, err := userLine(u)
		if err != nil {
			return nil, err
		}
		fresh[u.UserID], skip[u.UserID] = line, true
		for _, e := range userEmails(u) {
			if !slices.Contains(emails, e) {
				emails = append(emails, e)
			}
		}
	}

	sc := New(conns, Options{Connection: req.Connection, HoldCollector: req.HoldCollector, ExpectedEmails: snap.State.Emails})
	if err := snap.read(ctx, sc, skip); err != nil {
		return nil, errNeedExport{err.Error()}
	}
	if err := sc.ReadExport(bytes.NewReader(joinLines(fresh))); err != nil {
		return nil, err
	}

	// The groups of the changed emails, read again: an account the snapshot
	// and the changes both missed (search caught up late) joins the report.
	var grouped []string
	for _, e := range emails {
		if sc.inGroup(e) {
			grouped = append(grouped, e)
		}
	}
	missed := map[string][]byte{}
	for batch := range slices.Chunk(grouped, groupBatch) {
		users, err := searchAll(ctx, se, t, batch)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			e := linking.NormalizeEmail(u.Email)
			if gone(u) || fresh[u.UserID] != nil || missed[u.UserID] != nil || e == "" || sc.Has(e, u.UserID) {
				continue
			}
			line, err := userLine(u)
			if err != nil {
				return nil, err
			}
			missed[u.UserID] = line
		}
	}
	if len(missed) > 0 {
		if err := sc.ReadExport(bytes.NewReader(joinLines(missed))); err != nil {
			return nil, err
		}
	}
	var index *snapshotIndex
	if req.Connection == "" {
		index = &snapshotIndex{}
		index.fill(sc)
	}
	rep := sc.finish(linking.ReportMeta{Tenant: t.Domain(), ScannedAt: started, Method: linking.MethodIncremental})
	rep.APICalls = int(se.APICalls() - calls)

	// The snapshot moves on: the delta gains what was read now, the deleted
	// and the linked leave it, and neither's line of the base is read again
	// (one made a user again since is in the delta). A failure to write
	// leaves the former state, still true as of its own time, for the next
	// refresh.
	old, _, err := snap.delta()
	if err == nil {
		lines := map[string][]byte{}
		for line := range bytes.Lines(old) {
			if id := lineUserID(line); id != "" && !skip[id] {
				lines[id] = bytes.TrimRight(line, "\r\n")
			}
		}
		for _, m := range []map[string][]byte{fresh, missed} {
			for id, line := range m {
				lines[id] = line
			}
		}
		st := snap.State
		st.SyncedAt, st.Emails, st.Connections = started, rep.AccountsWithEmail, conns.Listed()
		st.Index = index.write(snap.Dir, started) // the former one is out of date: none when it cannot be written
		for _, ids := range []map[string]time.Time{deleted, linked} {
			for id := range ids {
				if !slices.Contains(st.Deleted, id) {
					st.Deleted = append(st.Deleted, id)
				}
			}
		}
		slices.Sort(st.Deleted)
		if st.Delta, err = writeDelta(snap.Dir, started, lines); err == nil {
			writeState(snap.Dir, st)
		}
	}
	return rep, nil
}

// writtenReaders is how many reads by id of the users linkdesk wrote run at
// once; the client paces them against the tenant's rate limit.
const writtenReaders = 8

// readWritten reads by id the users of written that linkdesk wrote at
// since or later (each once): those there now, and the ids of those gone,
// which answer 404 (deleted, or linked into another account).
func readWritten(ctx context.Context, t client.Tenant, written []Written, since time.Time) ([]client.User, []string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, w := range written {
		if w.UserID != "" && !w.At.Before(since) && !seen[w.UserID] {
			seen[w.UserID] = true
			ids = append(ids, w.UserID)
		}
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	slices.Sort(ids)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	users := make([]client.User, len(ids))
	found := make([]bool, len(ids))
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, writtenReaders)
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			u, err := t.User(ctx, id)
			switch {
			case client.IsNotFound(err):
			case err != nil:
				errMu.Lock()
				if firstErr == nil { // the others stop: their errors say only that
					firstErr = fmt.Errorf("reading %s, which linkdesk wrote, by id: %w", id, err)
					cancel()
				}
				errMu.Unlock()
			default:
				users[i], found[i] = u, true
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, nil, firstErr
	}
	var current []client.User
	var absent []string
	for i, id := range ids {
		if found[i] {
			current = append(current, users[i])
		} else {
			absent = append(absent, id)
		}
	}
	return current, absent, nil
}

// deletedSince returns the users the log says were deleted since, each with
// the date of its last deletion, when the log reaches back that far: its
// oldest event is older, or it is still the oldest it held at the full scan
// (nothing has aged out of it since).
func deletedSince(ctx context.Context, se client.Searcher, snap *Snapshot, since time.Time) (map[string]time.Time, error) {
	oldest, err := se.Logs(ctx, "", 1)
	if client.IsNotServed(err) {
		return nil, errNeedExport{"the tenant's log cannot be read (read:logs), so deletions cannot be known"}
	}
	if err != nil {
		return nil, err
	}
	mark := snap.State.LogOldest
	switch {
	case len(oldest) == 0 && mark == nil && snap.State.LogEmpty:
		return map[string]time.Time{}, nil // nothing has happened since the full scan
	case len(oldest) > 0 && !oldest[0].Date.After(since):
	case len(oldest) > 0 && mark != nil && oldest[0].LogID == mark.ID:
	case len(oldest) > 0 && mark == nil && snap.State.LogEmpty && !oldest[0].Date.Before(snap.State.BaseAt.Add(-searchMargin)):
	default:
		return nil, errNeedExport{"the tenant's log does not reach back to the snapshot"}
	}
	events, err := se.Logs(ctx, "type:sdu AND date:["+client.LuceneTime(since)+" TO *]", 0)
	if err != nil {
		return nil, err
	}
	deleted := make(map[string]time.Time, len(events))
	for _, e := range events {
		if e.Type != "sdu" || e.UserID == "" {
			continue
		}
		if at, ok := deleted[e.UserID]; !ok || !at.IsZero() && (e.Date.IsZero() || e.Date.After(at)) {
			deleted[e.UserID] = e.Date // zero: when is not known, so after any creation
		}
	}
	return deleted, nil
}

// linkedInto returns the accounts that the changed users hold as linked
// identities (identities after the first, provider|user_id), each with the
// latest updated_at of a user that holds it: linked into it by then, it
// was no user of its own any more.
func linkedInto(changed []client.User) map[string]time.Time {
	linked := map[string]time.Time{}
	for _, u := range changed {
		for _, id := range u.Linked() {
			if id.Provider == "" || id.UserID == "" {
				continue
			}
			k := id.Provider + "|" + id.UserID
			if at, ok := linked[k]; !ok || u.UpdatedAt.After(at) {
				linked[k] = u.UpdatedAt
			}
		}
	}
	return linked
}

// changedBetween returns the users updated (or created) in [from, to],
// searching the window in halves wherever it holds more than the search cap.
func changedBetween(ctx context.Context, se client.Searcher, from, to time.Time) ([]client.User, error) {
	return searchWindow(ctx, se, "updated_at:["+client.LuceneTime(from)+" TO "+client.LuceneTime(to)+"]", from, to)
}

func searchWindow(ctx context.Context, se client.Searcher, q string, from, to time.Time) ([]client.User, error) {
	users, total, err := se.SearchPage(ctx, q, 0, client.SearchPerPage)
	if err != nil {
		return nil, err
	}
	if total > client.SearchCap {
		if to.Sub(from) <= time.Millisecond {
			return nil, errNeedExport{fmt.Sprintf("%d users changed within a millisecond", total)}
		}
		mid := from.Add(to.Sub(from) / 2).Truncate(time.Millisecond)
		lo, err := searchWindow(ctx, se, "updated_at:["+client.LuceneTime(from)+" TO "+client.LuceneTime(mid)+"]", from, mid)
		if err != nil {
			return nil, err
		}
		hi, err := searchWindow(ctx, se, "updated_at:{"+client.LuceneTime(mid)+" TO "+client.LuceneTime(to)+"]", mid, to)
		if err != nil {
			return nil, err
		}
		return append(lo, hi...), nil
	}
	return morePages(ctx, se, q, users, total)
}

// morePages reads the pages of a search after its first.
func morePages(ctx context.Context, se client.Searcher, q string, users []client.User, total int) ([]client.User, error) {
	for page := 1; len(users) < total && (page+1)*client.SearchPerPage <= client.SearchCap; page++ {
		more, _, err := se.SearchPage(ctx, q, page, client.SearchPerPage)
		if err != nil {
			return nil, err
		}
		if len(more) == 0 {
			break
		}
		users = append(users, more...)
	}
	return users, nil
}

// searchAll reads every account of a batch of addresses, case-insensitively,
// halving the batch where it holds more than the search cap; one address
// past the cap is read with users-by-email.
func searchAll(ctx context.Context, se client.Searcher, t client.Tenant, emails []string) ([]client.User, error) {
	q := client.QuotedOr("email", emails)
	users, total, err := se.SearchPage(ctx, q, 0, client.SearchPerPage)
	if err != nil {
		return nil, err
	}
	if total <= client.SearchCap {
		return morePages(ctx, se, q, users, total)
	}
	if len(emails) == 1 {
		return t.UsersByEmail(ctx, emails[0])
	}
	lo, err := searchAll(ctx, se, t, emails[:len(emails)/2])
	if err != nil {
		return nil, err
	}
	hi, err := searchAll(ctx, se, t, emails[len(emails)/2:])
	return append(lo, hi...), err
}

// userEmails are the normalized emails a user is grouped by.
func userEmails(u client.User) []string {
	var out []string
	add := func(e string) {
		if e = linking.NormalizeEmail(e); e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	add(u.Email)
	for _, id := range u.Linked() {
		if e, ok := id.ProfileData["email"].(string); ok {
			add(e)
		}
	}
	return out
}

// joinLines lays lines out in the order of their user ids.
func joinLines(lines map[string][]byte) []byte {
	ids := make([]string, 0, len(lines))
	for id := range lines {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b bytes.Buffer
	for _, id := range ids {
		b.Write(lines[id])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// inGroup reports whether more than one account has email.
func (s *Scanner) inGroup(email string) bool {
	v, ok := s.byEmail.get(email)
	return ok && v < 0
}
