package tui

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/linkdesk/linkdesk/linking"
)

// Data is the scan the screens show: the report and its groups, with what
// the screens need precomputed (a search text per group, counts). Only the
// root model changes it, on its own goroutine; screens read it.
type Data struct {
	Report *linking.Report             // nil until the first scan finished
	Conns  *linking.Connections        // the tenant's connections the report was made with; nil when not known
	Groups []*linking.Group            // the report's groups, each replaced in place after an action
	search []string                    // per group: lower-case text the filter matches
	pairs  []string                    // per group: its connections, sorted, joined with " + "
	conns  []string                    // per group: its connections as a conn: word holds them (connKey)
	index  map[string]int              // normalized email → position in Groups
	stats  *Stats                      // nil: to be computed
	byID   map[string]*linking.Account // user id → account, built when first asked
	apart  map[string]bool             // emails of groups put in apart from the scan (Upsert)
	// chosen are the primaries chosen with p on a group's screen, by the
	// group's email: kept while the group stands as it was then, so that
	// its screen opened again shows the choice and l takes it.
	chosen map[string]chosenPrimary
	// Version changes whenever the groups change, so views can drop caches.
	Version uint64
}

// chosenPrimary is a primary chosen with p: its user id, and its group as
// it stood then (groupState; the accounts, to name the one gone).
type chosenPrimary struct {
	userID, state string
	accounts      []*linking.Account
}

// DroppedPrimary is a primary chosen with p that its group no longer
// takes: a write or a scan changed the group since.
type DroppedPrimary struct {
	UserID string
	// Accounts are the group's accounts as they were when it was chosen.
	Accounts []*linking.Account
}

// ChoosePrimary remembers userID as the primary of the next link of the
// group with this normalized email, as the group stands now: for as long
// as it stands so, whatever screens open and close (tester: a primary
// chosen with p, esc, another group, back: l proposed the recommended one
// again). Nothing when the data has no such group or the group no such
// account.
func (d *Data) ChoosePrimary(email, userID string) {
	i, ok := d.Find(email)
	if !ok || !slices.ContainsFunc(d.Groups[i].Accounts, func(a *linking.Account) bool { return a.UserID == userID }) {
		return
	}
	if d.chosen == nil {
		d.chosen = map[string]chosenPrimary{}
	}
	g := d.Groups[i]
	d.chosen[email] = chosenPrimary{userID: userID, state: groupState(g), accounts: slices.Clone(g.Accounts)}
}

// ChosenPrimary is the primary chosen with p for the group with this
// normalized email ("" when none): only while the group stands as it did
// when it was chosen. A group a write or a scan changed since (an account
// gone, linked, made again, verified, blocked…) drops the choice, which is
// returned once as dropped, for the group's screen to say so.
func (d *Data) ChosenPrimary(email string) (userID string, dropped *DroppedPrimary) {
	c, ok := d.chosen[email]
	if !ok {
		return "", nil
	}
	if i, found := d.Find(email); found && groupState(d.Groups[i]) == c.state {
		return c.userID, nil
	}
	delete(d.chosen, email)
	return "", &DroppedPrimary{UserID: c.userID, Accounts: c.accounts}
}

// ForgetPrimary drops the primary chosen for the group with this email.
func (d *Data) ForgetPrimary(email string) { delete(d.chosen, email) }

// groupState is what of a group a chosen primary stands on: its class,
// and each account with its connection, email and its verification, its
// block and the identities linked into it. A login counted since changes
// none of it.
func groupState(g *linking.Group) string {
	var b strings.Builder
	b.WriteString(string(g.Class))
	accts := slices.Clone(g.Accounts)
	slices.SortFunc(accts, func(x, y *linking.Account) int { return cmp.Compare(x.UserID, y.UserID) })
	for _, a := range accts {
		fmt.Fprintf(&b, "\x00%s\x01%s\x01%s\x01%t\x01%t", a.UserID, a.Connection, linking.NormalizeEmail(a.Email), a.EmailVerified, a.Blocked)
		linked := make([]string, len(a.Linked))
		for i, l := range a.Linked {
			linked[i] = l.Provider + "|" + l.UserID
		}
		slices.Sort(linked)
		b.WriteString("\x01" + strings.Join(linked, "\x02"))
	}
	return b.String()
}

// Stats are the overview's numbers.
type Stats struct {
	Groups   int                   // groups that still have two or more accounts
	Resolved int                   // groups an action reduced to one account
	Classes  map[linking.Class]int // per class, resolved groups excluded
	Missed   int                   // of Groups, how many the Account Link Extension missed
	Pairs    []PairCount           // groups per connection combination, most first
}

// PairCount is how many groups span one combination of connections.
type PairCount struct {
	Connections string // "google-oauth2 + Username-Password-Authentication"
	Count       int
}

// SetReport replaces everything with a fresh scan.
func (d *Data) SetReport(r *linking.Report) {
	d.Report = r
	d.Groups, d.apart = nil, nil
	if r != nil {
		d.Groups = r.Groups
	}
	d.search = make([]string, len(d.Groups))
	d.pairs = make([]string, len(d.Groups))
	d.conns = make([]string, len(d.Groups))
	d.index = make(map[string]int, len(d.Groups))
	// Describing a million-user tenant's groups takes a third of a second
	// on one CPU: each goroutine describes its own stretch.
	var wg sync.WaitGroup
	n := runtime.GOMAXPROCS(0)
	for w := range n {
		wg.Go(func() {
			for i := w * len(d.Groups) / n; i < (w+1)*len(d.Groups)/n; i++ {
				d.describe(i, d.Groups[i])
			}
		})
	}
	for i, g := range d.Groups {
		d.index[g.Email] = i
	}
	wg.Wait()
	d.stats, d.byID = nil, nil
	d.Version++
}

func (d *Data) describe(i int, g *linking.Group) {
	d.search[i] = SearchText(g)
	d.pairs[i] = ConnectionsOf(g)
	d.conns[i] = connKey(d.pairs[i], ConnectionsSep)
}

// Find returns the position of the group with this normalized email.
func (d *Data) Find(email string) (int, bool) {
	i, ok := d.index[email]
	return i, ok
}

// ReplaceGroup puts a re-read group in place of the one with its email and
// reports whether there was one. The group keeps its position in the list.
func (d *Data) ReplaceGroup(g *linking.Group) bool {
	i, ok := d.index[g.Email]
	if !ok {
		return false
	}
	d.Groups[i] = g
	d.describe(i, g)
	d.stats, d.byID = nil, nil
	d.Version++
	return true
}

// Upsert replaces the group with g's email, or adds g at the end when the
// scan has none (an account found with f before or apart from a scan).
func (d *Data) Upsert(g *linking.Group) {
	if d.ReplaceGroup(g) {
		return
	}
	if d.index == nil {
		d.index = map[string]int{}
	}
	d.Groups = append(d.Groups, g)
	if d.apart == nil {
		d.apart = map[string]bool{}
	}
	d.apart[g.Email] = true
	d.search = append(d.search, "")
	d.pairs = append(d.pairs, "")
	d.conns = append(d.conns, "")
	d.index[g.Email] = len(d.Groups) - 1
	d.describe(len(d.Groups)-1, g)
	d.stats, d.byID = nil, nil
	d.Version++
}

// Account returns the account with this user id among the groups, and its
// group; nil when no group holds it.
func (d *Data) Account(userID string) (*linking.Account, *linking.Group) {
	if d.byID == nil {
		d.byID = make(map[string]*linking.Account)
		for _, g := range d.Groups {
			for _, a := range g.Accounts {
				d.byID[a.UserID] = a
			}
		}
	}
	a := d.byID[userID]
	if a == nil {
		return nil, nil
	}
	if i, ok := d.index[linking.NormalizeEmail(a.Email)]; ok {
		return a, d.Groups[i]
	}
	for _, g := range d.Groups { // an account in its group through a linked identity
		for _, x := range g.Accounts {
			if x == a {
				return a, g
			}
		}
	}
	return a, nil
}

// Matches reports whether group i matches every word of the query (lower
// case, split on spaces): a word "class:x" matches the groups whose class
// starts with x (class:resolved for groups an action resolved); a word
// "conn:a+b" the groups whose connections are exactly a and b, as the
// overview counts them (ConnectionsFilter); any other word must occur in
// the group's search text. A longer query never matches more groups than
// its prefix did (but for a conn: word, exact: Narrows), so a list may
// narrow its last result.
func (d *Data) Matches(i int, words []string) bool {
	s := d.search[i]
	for _, w := range words {
		if c, ok := strings.CutPrefix(w, "class:"); ok {
			if !strings.HasPrefix(ClassKey(d.Groups[i]), c) {
				return false
			}
			continue
		}
		if c, ok := strings.CutPrefix(w, connPrefix); ok {
			if d.conns[i] != connKey(c, "+") { // in any order
				return false
			}
			continue
		}
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// MatchedAccount is the user id of the account of group i that a filter's
// words name (by user id, primary identifier, a linked identity or, last,
// its connection): where a cursor should land when the group opens. ""
// when the words name the group as a whole (its email, its class).
func (d *Data) MatchedAccount(i int, words []string) string {
	g := d.Groups[i]
	named := linking.NamedBy(g)
	var byConn string
	for j, a := range g.Accounts {
		for _, w := range words {
			if strings.HasPrefix(w, "class:") || strings.HasPrefix(w, connPrefix) {
				continue
			}
			if strings.Contains(strings.ToLower(a.UserID), w) || shownNames(a, named, j, func(n string) bool { return strings.Contains(n, w) }) &&
				!strings.Contains(strings.ToLower(g.Email), w) {
				return a.UserID
			}
			for _, l := range a.Linked {
				if strings.Contains(strings.ToLower(l.Provider+"|"+l.UserID), w) {
					return a.UserID
				}
			}
			if byConn == "" && strings.Contains(strings.ToLower(a.Connection), w) {
				byConn = a.UserID
			}
		}
	}
	return byConn
}

// ClassKey is the class as a filter names it: the class, or "resolved".
func ClassKey(g *linking.Group) string {
	if Resolved(g) {
		return "resolved"
	}
	return string(g.Class)
}

// connPrefix starts a filter word naming a combination of connections.
const connPrefix = "conn:"

// connKey is a combination of connections as a filter word holds it: the
// names in lower case, sorted, joined with "+" (no space), from a
// combination joined with sep.
func connKey(combination, sep string) string {
	names := strings.Split(strings.ToLower(combination), sep)
	slices.Sort(names)
	return strings.Join(names, "+")
}

// ConnectionsFilter is the filter word that lists the groups of one
// combination of connections (Stats.Pairs), and none of a wider one:
// "conn:github+username-password-authentication".
func ConnectionsFilter(combination string) string {
	return connPrefix + connKey(combination, ConnectionsSep)
}

// Connections returns group i's connections joined with " + ".
func (d *Data) Connections(i int) string { return d.pairs[i] }

// Listed reports whether group i belongs in the lists and counts: every
// group of the scan, and one put in apart from it (an account found with f)
// only while two or more accounts share its email. An account alone on its
// address is no duplicate, and its deletion resolves nothing.
func (d *Data) Listed(i int) bool {
	g := d.Groups[i]
	return !d.apart[g.Email] || len(g.Accounts) >= 2
}

// Stats counts the groups; it is cached until the groups change.
func (d *Data) Stats() *Stats {
	if d.stats != nil {
		return d.stats
	}
	s := &Stats{Classes: make(map[linking.Class]int, len(linking.Classes))}
	pairs := map[string]int{}
	for i, g := range d.Groups {
		if !d.Listed(i) {
			continue
		}
		if Resolved(g) {
			s.Resolved++
			continue
		}
		s.Groups++
		s.Classes[g.Class]++
		if g.MissedByExtension {
			s.Missed++
		}
		pairs[d.pairs[i]]++
	}
	for p, n := range pairs {
		s.Pairs = append(s.Pairs, PairCount{Connections: p, Count: n})
	}
	slices.SortFunc(s.Pairs, func(a, b PairCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Connections, b.Connections))
	})
	d.stats = s
	return s
}

// Resolved reports whether an action left the group with fewer than two
// accounts (Classify gives it no class).
func Resolved(g *linking.Group) bool { return len(g.Accounts) < 2 }

// ClassName is how a class reads on screen.
func ClassName(c linking.Class) string {
	if c == "" {
		return "resolved"
	}
	return strings.ReplaceAll(string(c), "_", " ")
}

// ConnectionsSep joins the connections of a combination.
const ConnectionsSep = " + "

// ConnectionsOf returns the group's distinct connections, sorted, joined
// with " + " (each account by its own connection).
func ConnectionsOf(g *linking.Group) string {
	var names []string
	for _, a := range g.Accounts {
		if !slices.Contains(names, a.Connection) {
			names = append(names, a.Connection)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ConnectionsSep)
}

// SearchText is what a filter matches in a group: its email, class,
// connections, user ids and primary identifiers, in lower case.
func SearchText(g *linking.Group) string {
	var b strings.Builder
	add := func(s string) {
		b.WriteString(strings.ToLower(s))
		b.WriteByte('\n')
	}
	add(g.Email)
	add(string(g.Class))
	add(ClassName(g.Class))
	named := linking.NamedBy(g)
	for i, a := range g.Accounts {
		add(a.UserID)
		add(a.Connection)
		shownNames(a, named, i, func(n string) bool { add(n); return false })
		for _, l := range a.Linked {
			add(l.Provider + "|" + l.UserID)
			add(l.Connection)
		}
	}
	return b.String()
}

// shownNames calls each with the names the screens show account i of a
// group by, in lower case: its primary identifier, the username that names
// one of the profiles of a legacy database (named, NamedBy's), its own
// username and phone, and the usernames and phone numbers of the
// identities linked into it. It stops at the first true.
func shownNames(a *linking.Account, named []linking.PrimaryIdentifier, i int, each func(string) bool) bool {
	if each(strings.ToLower(a.Identifier.Value)) {
		return true
	}
	if named != nil && named[i].Value != a.Identifier.Value && each(strings.ToLower(named[i].Value)) {
		return true
	}
	// Its own username and phone, which its screen shows: a profile left
	// alone of a legacy database's (the group resolved) is named by its
	// email now, and still found by its username.
	for _, v := range [...]string{a.Username, a.PhoneNumber} {
		if v != "" && each(strings.ToLower(v)) {
			return true
		}
	}
	for _, l := range a.Linked {
		for _, v := range [...]string{l.Username, l.PhoneNumber} {
			if v != "" && each(strings.ToLower(v)) {
				return true
			}
		}
	}
	return false
}

// FilterWords splits a typed filter into lower-case words.
func FilterWords(q string) []string { return strings.Fields(strings.ToLower(q)) }

// Narrows reports whether every group that matches next also matches prev,
// so that filtering prev's result for next gives the full answer: next only
// adds words or lengthens prev's last word (of the same kind).
func Narrows(prev, next []string) bool {
	if len(prev) == 0 || len(next) < len(prev) {
		return len(prev) == 0
	}
	last := len(prev) - 1
	for i := range last {
		if prev[i] != next[i] {
			return false
		}
	}
	structured := func(w string) bool { return strings.HasPrefix(w, "class:") || strings.HasPrefix(w, connPrefix) }
	if strings.HasPrefix(next[last], connPrefix) && next[last] != prev[last] {
		return false // exact: conn:a+b matches no group conn:a did
	}
	return strings.HasPrefix(next[last], prev[last]) && structured(next[last]) == structured(prev[last])
}
