package linking

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Class says what a group of accounts sharing an email is, and so what
// should happen to it.
type Class string

const (
	// ClassLinkCandidate: accounts on different connections, every email
	// verified, none sharing a Non-Unique Email connection with another.
	ClassLinkCandidate Class = "link_candidate"
	// ClassNeedsVerification: a link candidate with at least one unverified email.
	ClassNeedsVerification Class = "needs_verification"
	// ClassSharedByDesign: all accounts share the email inside one Non-Unique
	// Email connection (a family, one email per shop).
	ClassSharedByDesign Class = "shared_by_design"
	// ClassLegacyDuplicate: several accounts share the email inside one
	// connection that expects unique emails: needs migration, not linking.
	ClassLegacyDuplicate Class = "legacy_duplicate"
	// ClassMixed: a combination of the above; reasons say which accounts fall where.
	ClassMixed Class = "mixed"
)

// Classes lists the classes in report order.
var Classes = []Class{ClassLinkCandidate, ClassNeedsVerification, ClassSharedByDesign, ClassLegacyDuplicate, ClassMixed}

func (c Class) rank() int {
	if i := slices.Index(Classes, c); i >= 0 {
		return i
	}
	return len(Classes)
}

// Group is a set of accounts sharing one normalized email.
type Group struct {
	Email string // normalized
	Class Class
	// MissedByExtension: the Account Link Extension could have linked the
	// group (a link candidate, or one needing verification) and its newest
	// account has logged in more than once, so the extension never will.
	MissedByExtension  bool
	RecommendedPrimary string // user_id; "" when none
	PrimaryReasons     []string
	Reasons            []string
	Accounts           []*Account
}

// member is an account as it stands in one group: through the identity
// that carries the group's email (its own, or a linked one).
type member struct {
	*Account
	own      *Connection // the account's own connection
	conn     *Connection // of the identity carrying the email
	raw      string      // the email as stored there
	verified bool        // any identity of the account carrying this email verified it
	via      *Identity   // the linked identity carrying the email; nil for the account's own
	// also are the linked identities carrying the email besides the one
	// it stands in the group through.
	also []*Identity
	// viaName names via on its connection (a family member's username),
	// where that is what tells it apart there.
	viaName PrimaryIdentifier
	// placed: the account holds the email itself, and stands in the group
	// through via all the same (place), where via binds it to others.
	placed bool
}

// setVia makes the member stand in the group through its linked identity l.
func (m *member) setVia(l *Identity, conns *Connections) {
	m.via, m.raw = l, l.Email
	m.conn = conns.lookup(l.Connection, l.Provider)
	if id := l.PrimaryIdentifier(conns); id.Type == IdentifierUsername || id.Type == IdentifierPhoneNumber {
		m.viaName = id
	}
}

func memberOf(a *Account, email string, conns *Connections) member {
	own := conns.lookup(a.Connection, a.Provider)
	m := member{Account: a, own: own, conn: own, raw: a.Email, verified: a.EmailVerified}
	ownEmail := NormalizeEmail(a.Email) == email
	for i := range a.Linked {
		l := &a.Linked[i]
		if NormalizeEmail(l.Email) != email {
			continue
		}
		if !ownEmail && m.via == nil {
			m.setVia(l, conns)
			m.verified = false
		} else {
			m.also = append(m.also, l)
		}
		m.verified = m.verified || l.EmailVerified
	}
	return m
}

// place puts each member that carries the email through more than one
// identity where one of them binds it to others of the email: a linked
// identity on a Non-Unique Emails connection, or on a legacy database
// another member holds the email in. A family member or a legacy profile
// linked into an account elsewhere is still one of those who share the
// email there: the account holding it is not another's duplicate (linking
// a second member into it would merge two people).
func place(members []member, conns *Connections) {
	// What a member is placed by depends on the connections each member
	// carries the email on as memberOf read them, never on another
	// member's placing, so never on the members' order: every placing is
	// decided first, then made.
	heldElsewhere := func(skip int, name string) bool {
		for j := range members {
			if j != skip && (members[j].conn.Name == name || slices.ContainsFunc(members[j].also, func(l *Identity) bool { return l.Connection == name })) {
				return true
			}
		}
		return false
	}
	type placing struct {
		m  *member
		by *Identity
	}
	var placings []placing // rare: allocated only for a group that has one
	for i := range members {
		m := &members[i]
		if m.conn.NonUniqueEmail {
			continue // in its family already
		}
		for _, l := range m.also {
			// A legacy custom database, or a database known only from the
			// data (scan --from-export), as when two accounts hold the email
			// there directly (shapeOf): one policy, safe by default.
			c := conns.lookup(l.Connection, l.Provider)
			if c.NonUniqueEmail || c.IsDatabase && (c.LegacyCustomDB || c.Inferred) && heldElsewhere(i, c.Name) {
				placings = append(placings, placing{m, l})
				break
			}
		}
	}
	for _, p := range placings {
		own, raw := p.m.via == nil, p.m.raw
		p.m.setVia(p.by, conns)
		if own { // it holds the email itself: its own spelling, for the case reason
			p.m.raw, p.m.placed = raw, true
		}
	}
}

// part is the members of a group on one connection.
type part struct {
	conn    *Connection
	members []*member
}

// shape is a group cut into what the classes speak of.
type shape struct {
	families []part    // accounts inside one Non-Unique Email connection (one is enough)
	legacy   []part    // ≥2 accounts inside one connection expecting unique emails
	singles  []*member // accounts alone on their connection in the group
}

// shapeOf cuts members, sorted by connection, into their parts.
func shapeOf(members []member) shape {
	var s shape
	for start := 0; start < len(members); {
		end := start + 1
		for end < len(members) && members[end].conn.Name == members[start].conn.Name {
			end++
		}
		p := part{conn: members[start].conn}
		for i := start; i < end; i++ {
			p.members = append(p.members, &members[i])
		}
		start = end
		switch {
		case p.conn.NonUniqueEmail:
			// Even alone there, the account's email tells no one apart: it
			// may be a parent's inbox or a shop's, so the group is never a
			// link candidate by default.
			s.families = append(s.families, p)
		case len(p.members) == 1:
			s.singles = append(s.singles, p.members[0])
		default:
			s.legacy = append(s.legacy, p)
		}
	}
	return s
}

func (s shape) class() Class {
	shared := len(s.families) + len(s.legacy)
	switch {
	case shared == 0 && allVerified(s.singles):
		return ClassLinkCandidate
	case shared == 0:
		return ClassNeedsVerification
	case shared > 1 || len(s.singles) > 0:
		return ClassMixed
	case len(s.families) == 1:
		return ClassSharedByDesign
	}
	return ClassLegacyDuplicate
}

func allVerified(ms []*member) bool {
	for _, m := range ms {
		if !m.verified {
			return false
		}
	}
	return true
}

// Classify fills the group's Class, MissedByExtension, RecommendedPrimary,
// PrimaryReasons and Reasons, sets each account's Identifier, and orders the
// accounts: the recommended primary first, then by connection, age and user
// id. The result depends only on the accounts, never on their order.
//
// A primary is recommended for link candidates and for groups that need
// verification (the link waits for the verification); never for shared,
// legacy or mixed groups, where which accounts belong together is for the
// operator to decide.
func Classify(g *Group, conns *Connections) {
	g.Class, g.MissedByExtension, g.RecommendedPrimary = "", false, ""
	g.PrimaryReasons, g.Reasons = nil, nil
	members := make([]member, len(g.Accounts))
	for i, a := range g.Accounts {
		if id := a.PrimaryIdentifier(conns); a.Identifier != id {
			a.Identifier = id // written only when it changes: shared accounts are read concurrently
		}
		members[i] = memberOf(a, g.Email, conns)
	}
	place(members, conns)
	if len(members) < 2 {
		g.Reasons = []string{"only one account has this email"}
		return
	}
	// A canonical order first, so that nothing below depends on the input's.
	slices.SortFunc(members, func(a, b member) int {
		return cmp.Or(cmp.Compare(a.conn.Name, b.conn.Name), compareAge(a.Account, b.Account), cmp.Compare(a.UserID, b.UserID))
	})
	s := shapeOf(members)
	g.Class = s.class()
	newest := newestMember(members)
	linkable := g.Class == ClassLinkCandidate || g.Class == ClassNeedsVerification
	g.MissedByExtension = linkable && newest != nil && newest.LoginsCount > 1

	var primary *member
	if g.Class == ClassLinkCandidate || g.Class == ClassNeedsVerification {
		primary = recommend(s.singles)
		g.RecommendedPrimary = primary.UserID
		g.PrimaryReasons = primaryReasons(primary, s.singles)
	}
	g.Reasons = groupReasons(g, s, members, newest)
	sortAccounts(g, members)
}

// sortAccounts writes the members back in their canonical order, the
// recommended primary moved to the front.
func sortAccounts(g *Group, members []member) {
	slices.SortStableFunc(members, func(a, b member) int {
		return cmp.Compare(boolRank(b.UserID == g.RecommendedPrimary), boolRank(a.UserID == g.RecommendedPrimary))
	})
	for i := range members {
		g.Accounts[i] = members[i].Account
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// compareAge orders older accounts first; an unknown creation date last.
func compareAge(a, b *Account) int {
	az, bz := a.CreatedAt.IsZero(), b.CreatedAt.IsZero()
	if az || bz {
		return cmp.Compare(boolRank(az), boolRank(bz))
	}
	return a.CreatedAt.Compare(b.CreatedAt)
}

// newestMember is the member created last (ties: the greater user id);
// nil when no creation date is known.
func newestMember(members []member) *member {
	var newest *member
	for i := range members {
		m := &members[i]
		if m.CreatedAt.IsZero() {
			continue
		}
		if newest == nil || cmp.Or(m.CreatedAt.Compare(newest.CreatedAt), cmp.Compare(m.UserID, newest.UserID)) > 0 {
			newest = m
		}
	}
	return newest
}

// ---- reasons ----

func groupReasons(g *Group, s shape, members []member, newest *member) []string {
	var r []string
	switch g.Class {
	case ClassLinkCandidate:
		r = append(r, countAccounts(len(s.singles))+" on "+connNames(s.singles)+"; "+verifiedSummary(s.singles))
	case ClassNeedsVerification:
		r = append(r,
			countAccounts(len(s.singles))+" on "+connNames(s.singles)+"; "+unverifiedSummary(s.singles),
			"verify before linking: a server-side link skips the proof that one person controls both accounts")
	default:
		r = append(r, sharedReasons(g, s)...)
	}
	r = append(r, viaReasons(members)...)
	r = append(r, caseReason(members, len(s.singles) > 0)...)
	if g.MissedByExtension {
		r = append(r, "the newest account, "+newest.UserID+" (created "+day(newest.CreatedAt)+"), has logged in "+
			strconv.FormatInt(newest.LoginsCount, 10)+" times: the Account Link Extension runs at first login only and missed this duplicate for good")
	}
	r = append(r, inferredReason(members)...)
	r = append(r, blockedReason(members, g.Class != ClassSharedByDesign && g.Class != ClassLegacyDuplicate)...)
	return r
}

// blockedReason names the blocked accounts of a group whose other accounts
// are not blocked; where a link is in question, it says that a link
// between the two is refused (CheckBlockedAccount).
func blockedReason(members []member, linkable bool) []string {
	var blocked []*member
	for i := range members {
		if members[i].Blocked {
			blocked = append(blocked, &members[i])
		}
	}
	if len(blocked) == 0 || len(blocked) == len(members) {
		return nil
	}
	// Named as the group lists them: by identifier where it is not the email.
	names := listed(blocked, func(b *strings.Builder, m *member) {
		if m.Identifier.Type == IdentifierEmail {
			b.WriteString(m.UserID)
			return
		}
		writeNamed(b, m.Identifier, m.UserID)
	})
	what := names + " is blocked (it cannot sign in)"
	if len(blocked) > 1 {
		what = names + " are blocked (they cannot sign in)"
	}
	if !linkable {
		return []string{what + " and the others are not"}
	}
	return []string{what + " and the others are not: a link between a blocked account and one that is not is refused (" +
		CheckBlockedAccount + ") until the blocks agree"}
}

// sharedReasons describe the families, legacy duplicates and loose accounts
// of a shared, legacy or mixed group.
func sharedReasons(g *Group, s shape) []string {
	var r []string
	migrate := false
	for _, p := range s.families {
		if len(p.members) == 1 {
			r = append(r, fmt.Sprintf("%s is on %s, a Non-Unique Emails connection, where an email may be shared (a parent's inbox, a shop's) and tells no one apart: not a link candidate by default",
				identifierList(p.members), p.conn.Name))
			continue
		}
		r = append(r, fmt.Sprintf("%s share the email inside %s, a Non-Unique Emails connection where %s; legitimate by design, not a link candidate",
			countAccounts(len(p.members)), p.conn.Name, toldApartBy(p.members)))
	}
	for _, p := range s.legacy {
		switch {
		case p.conn.LegacyCustomDB || p.conn.Inferred && p.conn.IsDatabase:
			migrate = true
			r = append(r, fmt.Sprintf("%s share the email inside %s, %s: it needs migration, not linking (%s)",
				countAccounts(len(p.members)), p.conn.Name, legacyWhat(p.conn), profileNames(g, p.members)))
		default:
			r = append(r, fmt.Sprintf("%s share the email inside %s, which should keep emails unique: find out how they came to be before linking or deleting any (%s)",
				countAccounts(len(p.members)), p.conn.Name, userIDs(p.members)))
		}
	}
	if migrate {
		r = append(r, "ways out: (1) move the users to a new connection with Non-Unique Emails; (2) bulk-import them with unique emails into a new connection; (3) give each user a unique email in the custom database, then turn on Import Mode")
	}
	// The accounts the loose ones share the email with: "them", or "it"
	// where one account alone on a Non-Unique Emails connection is all.
	them, oneOf, decide := "them", "one of them", "which one"
	if shared := len(s.families) + len(s.legacy); shared == 1 && len(append(s.families, s.legacy...)[0].members) == 1 {
		them, oneOf, decide = "it", "it", "whether to"
	}
	switch n := len(s.singles); {
	case n == 1:
		m := s.singles[0]
		how := "it could be linked into " + oneOf
		if len(m.Linked) > 0 { // Auth0 refuses a secondary with identities of its own
			how = "it holds linked identities, so it can only be a primary: " + oneOf + " could be linked into it"
		}
		r = append(r, fmt.Sprintf("%s shares the email with %s: %s, and %s is for the operator to decide%s",
			label(m), them, how, decide, unverifiedNote(s.singles)))
	case n > 1:
		r = append(r, fmt.Sprintf("%s, each alone on its connection, share the email with %s: they could be linked together or into %s, and the operator decides%s",
			labels(s.singles), them, oneOf, unverifiedNote(s.singles)))
	}
	if len(s.singles) > 0 || len(s.families)+len(s.legacy) > 1 {
		r = append(r, "no primary is recommended for a mixed group")
	}
	return r
}

func legacyWhat(c *Connection) string {
	if c.LegacyCustomDB {
		return "a custom database without import mode, which does not enforce unique emails"
	}
	return "a database connection whose settings are unknown (a legacy custom database, or a Non-Unique Emails connection)"
}

func viaReasons(members []member) []string {
	var r []string
	n := 0
	for i := range members {
		if m := &members[i]; m.via != nil {
			if n++; n <= listMax {
				how := "is here through its linked identity"
				if m.placed {
					how = "holds the email itself, and counts on " + m.via.Connection + " through its linked identity"
				}
				r = append(r, fmt.Sprintf("%s %s %s|%s (%s, %s)",
					m.UserID, how, m.via.Provider, m.via.UserID, m.via.Connection, m.via.Email))
			}
		}
	}
	if n > listMax {
		r = append(r, fmt.Sprintf("and %d more accounts are here through a linked identity", n-listMax))
	}
	return r
}

// caseReason names the spellings when the accounts' emails differ in case
// (or surrounding space), and where a link is in question says that the
// extension's users-by-email lookup, being exact, would have missed it.
func caseReason(members []member, linkable bool) []string {
	if oneSpelling(members) {
		return nil // the usual case, without the bookkeeping below
	}
	var spellings []string
	conns := map[string][]string{}
	for i := range members {
		m := &members[i]
		if _, ok := conns[m.raw]; !ok {
			spellings = append(spellings, m.raw)
		}
		held := m.conn
		if m.placed { // its own spelling, on its own connection
			held = m.own
		}
		if !slices.Contains(conns[m.raw], held.Name) {
			conns[m.raw] = append(conns[m.raw], held.Name)
		}
	}
	if len(spellings) < 2 {
		return nil
	}
	slices.Sort(spellings)
	reason := differIn(spellings) + ": " + listed(spellings, func(b *strings.Builder, sp string) {
		b.WriteString(sp)
		b.WriteString(" (")
		for i, c := range conns[sp] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c)
		}
		b.WriteByte(')')
	})
	if linkable {
		reason += " — the Account Link Extension matches case-sensitively and would not have offered a link"
	}
	return []string{reason}
}

// differIn says how spellings of one address differ: in case, in the
// white space around them, or both.
func differIn(spellings []string) string {
	spaced, sameTrimmed := false, true
	for _, sp := range spellings {
		spaced = spaced || strings.TrimSpace(sp) != sp
		sameTrimmed = sameTrimmed && strings.TrimSpace(sp) == strings.TrimSpace(spellings[0])
	}
	switch {
	case sameTrimmed:
		return "emails differ only in the white space around them"
	case spaced:
		return "emails differ in case and in the white space around them"
	}
	return "emails differ only in case"
}

func oneSpelling(members []member) bool {
	for i := range members {
		if members[i].raw != members[0].raw {
			return false
		}
	}
	return true
}

func inferredReason(members []member) []string {
	var names []string
	for i := range members {
		if c := members[i].conn; c.Inferred && !slices.Contains(names, c.Name) {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	key := strings.Join(names, "\x00")
	if r, ok := inferredReasons.Load(key); ok {
		return []string{r.(string)}
	}
	r := "settings of " + joinAnd(names) + " unknown (scanned without the tenant's connection list): assumed to keep emails unique; a Non-Unique Emails or custom database connection cannot be told apart"
	if inferredCached.Add(1) <= maxInferredCached {
		inferredReasons.Store(key, r)
	}
	return []string{r}
}

// inferredReasons holds the reason for each set of inferred connections met
// (a tenant has a handful), so that the groups of a large scan share its
// text instead of holding a copy each.
var (
	inferredReasons   sync.Map // names joined by NUL → reason
	inferredCached    atomic.Int64
	maxInferredCached = int64(1024)
)

// ---- wording helpers ----

func countAccounts(n int) string { return strconv.Itoa(n) + " accounts" }

func label(m *member) string { return m.UserID + " (" + m.conn.Name + ")" }

func labels(ms []*member) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = label(m)
	}
	return joinAnd(out)
}

func userIDs(ms []*member) string {
	return listed(ms, func(b *strings.Builder, m *member) { b.WriteString(m.UserID) })
}

func connNames(ms []*member) string {
	var out []string
	for _, m := range ms {
		if !slices.Contains(out, m.conn.Name) {
			out = append(out, m.conn.Name)
		}
	}
	return joinAnd(out)
}

// toldApartBy says what tells the accounts of a family apart: their own
// identifiers, or only their user ids where the connection makes no
// username or phone number an identifier.
func toldApartBy(ms []*member) string {
	for _, m := range ms {
		if m.Identifier.Type != IdentifierUserID || m.viaName.Value != "" {
			return "each is told apart by its own identifier: " + identifierList(ms)
		}
	}
	return "no username or phone number is an identifier, so only their user ids tell them apart: " + userIDs(ms)
}

// profileNames names the profiles of one email on one connection by the
// usernames that tell them apart (UsernameTellsApart), else by user id.
func profileNames(g *Group, ms []*member) string {
	return listed(ms, func(b *strings.Builder, m *member) {
		if m.via != nil { // a profile linked into an account elsewhere
			if m.via.Username != "" {
				writeIdentifier(b, PrimaryIdentifier{Type: IdentifierUsername, Value: m.via.Username})
				b.WriteString(" (")
				writeLinkedInto(b, m, true)
				return
			}
			writeLinkedInto(b, m, false)
			return
		}
		if id, ok := UsernameTellsApart(g, m.Account); ok {
			writeNamed(b, id, m.UserID)
			return
		}
		b.WriteString(m.UserID)
	})
}

func identifierList(ms []*member) string {
	return listed(ms, func(b *strings.Builder, m *member) {
		if m.viaName.Value != "" { // a member linked into an account elsewhere
			writeIdentifier(b, m.viaName)
			b.WriteString(" (")
			writeLinkedInto(b, m, true)
			return
		}
		writeNamed(b, m.Identifier, m.UserID)
	})
}

// writeNamed writes "username jdoe (auth0|123)".
func writeNamed(b *strings.Builder, id PrimaryIdentifier, userID string) {
	writeIdentifier(b, id)
	b.WriteString(" (")
	b.WriteString(userID)
	b.WriteByte(')')
}

// writeIdentifier writes what PrimaryIdentifier.String returns.
func writeIdentifier(b *strings.Builder, id PrimaryIdentifier) {
	b.WriteString(id.Type)
	b.WriteByte(' ')
	b.WriteString(id.Value)
}

// writeLinkedInto writes a member linked into an account elsewhere by its
// old identity: "auth0|123 (linked into auth0|456)"; after its name and
// " (" (named), "auth0|123, linked into auth0|456)".
func writeLinkedInto(b *strings.Builder, m *member, named bool) {
	b.WriteString(m.via.Provider)
	b.WriteByte('|')
	b.WriteString(m.via.UserID)
	if named {
		b.WriteString(", linked into ")
	} else {
		b.WriteString(" (linked into ")
	}
	b.WriteString(m.UserID)
	b.WriteByte(')')
}

// listMax is how many items a reason lists before it only counts the rest:
// a legacy database may hold thousands of profiles with one placeholder email.
const listMax = 10

// listed writes the first listMax items, comma separated, and how many more.
func listed[T any](items []T, write func(*strings.Builder, T)) string {
	var b strings.Builder
	for i, it := range items[:min(len(items), listMax)] {
		if i > 0 {
			b.WriteString(", ")
		}
		write(&b, it)
	}
	if len(items) > listMax {
		b.WriteString(" and ")
		b.WriteString(strconv.Itoa(len(items) - listMax))
		b.WriteString(" more")
	}
	return b.String()
}

func verifiedSummary(ms []*member) string {
	if len(ms) == 2 {
		return "both emails verified"
	}
	return "all " + strconv.Itoa(len(ms)) + " emails verified"
}

func unverifiedSummary(ms []*member) string {
	var out []*member
	for _, m := range ms {
		if !m.verified {
			out = append(out, m)
		}
	}
	if len(out) == 1 {
		return "email not verified on " + labels(out)
	}
	return "emails not verified on " + labels(out)
}

func unverifiedNote(ms []*member) string {
	if allVerified(ms) {
		return ""
	}
	return "; " + unverifiedSummary(ms)
}

// joinAnd writes "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
