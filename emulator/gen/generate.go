// Package gen makes sandbox tenants: realistic, reproducible users and
// connections (Generate, GenerateEach) as *emulator.Tenant. It may import
// emulator; emulator never imports gen.
package gen

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// GenOptions chooses the sandbox tenant Generate makes.
type GenOptions struct {
	Users int   // standalone users (linked secondaries are not counted)
	Seed  int64 // same seed and size give byte-identical tenants
	// Now is the tenant's present: every timestamp lies before it. Zero
	// means GenDefaultNow, so that output is reproducible.
	Now time.Time
}

// GenDefaultNow is the present of a generated tenant whose GenOptions.Now is zero.
var GenDefaultNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Generate makes a realistic tenant: the connections of genConns and
// o.Users users, about a third of them in groups sharing an email. See
// GenerateEach for what the users are.
func Generate(o GenOptions) *emulator.Tenant {
	t := &emulator.Tenant{Users: make([]*emulator.User, 0, max(o.Users, 0)), Roles: Roles(), Organizations: Organizations()}
	GenerateEach(o,
		func(c *emulator.Connection) { t.Connections = append(t.Connections, c) },
		func(u *emulator.User) { t.Users = append(t.Users, u) })
	return t
}

// GenerateEach makes the same tenant as Generate and hands it over piece by
// piece, every connection first, so that a very large tenant can be written
// out without being held. Either callback may be nil.
//
// Users come in chunks of a few thousand, shuffled within the chunk, so that
// accounts sharing an email are never neighbours by construction. A chunk's
// strings share one allocation: a consumer that keeps one user of a chunk
// keeps the chunk's text alive.
//
// What the users are: singles on every connection (sms and some github users
// without email); link candidates across Username-Password-Authentication,
// google-oauth2, github and the acme-corp SAML connection, some with the
// IdP's mixed-case email, some with an unverified email, some that the
// Account Link Extension missed (newest account logins_count > 1);
// already-linked users carrying secondaries with profileData, a few of them
// with one more unlinked duplicate; Non-Unique Email families and shops in
// family-accounts, some with the parent's google account too; legacy
// duplicates in the legacy-members custom database, whose email_verified is
// often a string; and, in the first chunk, a handful of hostile profile
// strings (terminal escapes, control and bidi characters, a 10 KB name,
// invalid UTF-8). The first chunk also starts with one unit of every kind,
// so even a 30-user tenant holds every case.
func GenerateEach(o GenOptions, conns func(*emulator.Connection), user func(*emulator.User)) {
	if conns != nil {
		for k := range genConns {
			conns(genConns[k].connection())
		}
	}
	if o.Users <= 0 || user == nil {
		return
	}
	g := newGenerator(o)
	coverage := coveragePlans
	for done, chunk := 0, 0; done < o.Users; chunk++ {
		size := min(o.Users-done, genChunkSize)
		for len(g.order) < size {
			var p unitPlan
			p, coverage = g.nextPlan(coverage, size-len(g.order))
			g.build(p)
		}
		for _, u := range g.finishChunk(chunk == 0) {
			user(u)
		}
		done += size
	}
}

const genChunkSize = 4096

// ---- randomness ----

// rng is SplitMix64: tiny, fast, and its output never changes with the Go
// release, which byte-identical tenants need.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// mix64 is SplitMix64's finalizer, a bijection: distinct inputs give distinct ids.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [0, n) for 0 < n < 2^32.
func (r *rng) intn(n int) int { return int((r.next() >> 32) * uint64(n) >> 32) }

// permille reports true p times in a thousand.
func (r *rng) permille(p int) bool { return r.intn(1000) < p }

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func choose[T any](r *rng, s []T) T { return s[r.intn(len(s))] }

// perm28 is a bijection on [0, 2^28): small, unique, random-looking numbers
// (github ids, phone numbers) for up to 2^28 identities.
func perm28(x, salt uint64) uint64 {
	const mask = 1<<28 - 1
	x = (x ^ salt) & mask
	x = (x * 0x9E3779B1) & mask
	x ^= x >> 13
	x = (x * 0x85EBCA77) & mask
	return x ^ x>>16
}

// ---- units ----

// unitKind is what one unit of generation makes: one person's accounts, or a
// family's, or a shop's.
type unitKind uint8

const (
	unitSingle              unitKind = iota
	unitLinkCandidate                // one person on 2-3 connections, all verified
	unitNeedsVerification            // the same with one email unverified
	unitLinked                       // one user carrying linked secondaries
	unitLinkedWithDuplicate          // a linked user and one more unlinked account
	unitFamily                       // 2-5 accounts sharing an email in family-accounts
	unitFamilyWithGoogle             // a family and the parent's google account
	unitLegacyDuplicate              // 2-3 profiles with one email in legacy-members
)

type unitPlan struct {
	kind    unitKind
	conns   [3]connKind // singles: [0]; link kinds: the accounts; linked: primary then secondaries
	n       int         // accounts (link kinds), identities (linked), members (family, legacy)
	dup     connKind    // unitLinkedWithDuplicate: the unlinked account's connection
	idpCase bool        // social and enterprise accounts keep the IdP's capitalization
	missed  bool        // the newest account has logged in more than once
	noEmail bool        // github single without email
	largeID bool        // github identity id above 2^53
	shop    bool        // a family unit that is a shop's locations
}

func (p unitPlan) size() int {
	switch p.kind {
	case unitSingle, unitLinked:
		return 1
	case unitLinkedWithDuplicate:
		return 2
	case unitFamilyWithGoogle:
		return p.n + 1
	}
	return p.n
}

// coveragePlans open the first chunk so that a small tenant still holds
// every case.
var coveragePlans = []unitPlan{
	{kind: unitLinkCandidate, conns: [3]connKind{connUPA, connGoogle}, n: 2},
	{kind: unitLinkCandidate, conns: [3]connKind{connUPA, connAcme}, n: 2, idpCase: true, missed: true},
	{kind: unitLinkCandidate, conns: [3]connKind{connUPA, connGoogle, connGitHub}, n: 3, missed: true},
	{kind: unitNeedsVerification, conns: [3]connKind{connUPA, connGoogle}, n: 2, missed: true},
	{kind: unitLinked, conns: [3]connKind{connUPA, connGoogle}, n: 2},
	{kind: unitLinkedWithDuplicate, conns: [3]connKind{connUPA, connGoogle}, n: 2, dup: connGitHub, missed: true},
	{kind: unitFamily, n: 3},
	{kind: unitFamilyWithGoogle, n: 2, idpCase: true},
	{kind: unitLegacyDuplicate, n: 2},
	{kind: unitSingle, conns: [3]connKind{connSMS}},
	{kind: unitSingle, conns: [3]connKind{connGitHub}, noEmail: true, largeID: true},
	{kind: unitSingle, conns: [3]connKind{connUPA}},
	{kind: unitSingle, conns: [3]connKind{connGoogle}},
	{kind: unitFamily, n: 2, shop: true},
}

// nextPlan takes the next coverage plan that fits in room, else a random one.
func (g *generator) nextPlan(coverage []unitPlan, room int) (unitPlan, []unitPlan) {
	for len(coverage) > 0 {
		p := coverage[0]
		coverage = coverage[1:]
		if p.size() <= room {
			return p, coverage
		}
	}
	if p := g.randomPlan(); p.size() <= room {
		return p, nil
	}
	return g.singlePlan(), nil
}

// randomPlan draws a unit; the weights (per thousand units) put about a third
// of the users in groups sharing an email.
func (g *generator) randomPlan() unitPlan {
	r := &g.r
	switch x := r.intn(1000); {
	case x < 65:
		return g.linkPlan(unitLinkCandidate)
	case x < 95:
		return g.linkPlan(unitNeedsVerification)
	case x < 145:
		p := unitPlan{kind: unitLinked, idpCase: r.permille(350), missed: r.permille(600)}
		switch y := r.intn(10); {
		case y < 6:
			p.conns, p.n = [3]connKind{connUPA, connGoogle}, 2
		case y < 8:
			p.conns, p.n = [3]connKind{connGoogle, connUPA}, 2
		case y < 9:
			p.conns, p.n = [3]connKind{connUPA, connGitHub}, 2
		default:
			p.conns, p.n = [3]connKind{connUPA, connGoogle, connGitHub}, 3
		}
		if x >= 135 {
			p.kind, p.dup = unitLinkedWithDuplicate, connGitHub
			if p.conns[1] == connGitHub {
				p.dup = connGoogle
			}
		}
		return p
	case x < 170:
		n := [...]int{2, 2, 2, 3, 3, 3, 3, 4, 4, 5}[r.intn(10)]
		return unitPlan{kind: unitFamily, n: n, shop: r.permille(250)}
	case x < 178:
		return unitPlan{kind: unitFamilyWithGoogle, n: 2 + r.intn(3), idpCase: r.permille(400)}
	case x < 208:
		return unitPlan{kind: unitLegacyDuplicate, n: 2 + r.intn(4)/3}
	}
	return g.singlePlan()
}

var singleWeights = [numConns]int{connUPA: 500, connGoogle: 200, connGitHub: 80, connSMS: 90, connAcme: 50, connFamily: 30, connLegacy: 50}

func (g *generator) singlePlan() unitPlan {
	x := g.r.intn(1000)
	c := connUPA
	for k, w := range singleWeights {
		if x < w {
			c = connKind(k)
			break
		}
		x -= w
	}
	return unitPlan{kind: unitSingle, conns: [3]connKind{c}, noEmail: c == connGitHub && g.r.permille(300)}
}

// linkCombos are the connections one person's unlinked accounts sit on.
var linkCombos = []struct {
	weight int
	conns  []connKind
}{
	{550, []connKind{connUPA, connGoogle}},
	{100, []connKind{connUPA, connGitHub}},
	{100, []connKind{connUPA, connAcme}},
	{60, []connKind{connGoogle, connGitHub}},
	{100, []connKind{connUPA, connGoogle, connGitHub}},
	{60, []connKind{connUPA, connGoogle, connAcme}},
	{30, []connKind{connGoogle, connAcme}},
}

func (g *generator) linkPlan(kind unitKind) unitPlan {
	p := unitPlan{kind: kind, idpCase: g.r.permille(350), missed: g.r.permille(600)}
	x := g.r.intn(1000)
	for _, c := range linkCombos {
		if x < c.weight { // the weights add up to 1000
			p.n = copy(p.conns[:], c.conns)
			break
		}
		x -= c.weight
	}
	// Which account came first varies; the plan's order is creation order.
	for i := p.n - 1; i > 0; i-- {
		j := g.r.intn(i + 1)
		p.conns[i], p.conns[j] = p.conns[j], p.conns[i]
	}
	return p
}

// ---- the generator ----

type generator struct {
	r    rng
	salt uint64
	now  int64  // unix milliseconds
	seq  uint64 // identities made: the source of unique ids
	unit uint64 // units made: the source of unique emails and usernames

	users      slab[emulator.User]
	identities slab[emulator.Identity]
	text       textArena
	raw        rawArena
	order      []*emulator.User // this chunk's standalone users
	links      []pendingLink    // this chunk's linked identities, filled in once text is final

	email, username []byte // the current unit's, lower-case

	// m draws memberships, apart from r so that adding them changed no
	// other generated value; members counts the units given some.
	m       rng
	members int
}

// pendingLink is a linked identity waiting for its secondary's final strings.
type pendingLink struct {
	dst *emulator.Identity
	sec *emulator.User
}

func newGenerator(o GenOptions) *generator {
	now := o.Now
	if now.IsZero() {
		now = GenDefaultNow
	}
	g := &generator{r: rng{s: uint64(o.Seed)}, now: now.UnixMilli()}
	g.salt = g.r.next()
	g.m = rng{s: mix64(g.salt ^ 0x6d656d62657273)}
	return g
}

func (g *generator) build(p unitPlan) {
	g.unit++
	switch p.kind {
	case unitSingle:
		g.single(p)
	case unitLinkCandidate, unitNeedsVerification:
		g.samePerson(p)
	case unitLinked, unitLinkedWithDuplicate:
		g.linked(p)
	case unitFamily, unitFamilyWithGoogle:
		g.family(p)
	case unitLegacyDuplicate:
		g.legacy(p)
	}
}

// finishChunk makes the chunk's strings final, adds the hostile strings to
// the first chunk, fills in linked identities and shuffles the users.
func (g *generator) finishChunk(first bool) []*emulator.User {
	g.text.flush()
	if first {
		g.addHostile()
	}
	for _, l := range g.links {
		*l.dst = l.sec.Identities[0]
		l.dst.ProfileData = g.profileData(l.sec)
	}
	g.links = g.links[:0]
	order := g.order
	for i := len(order) - 1; i > 0; i-- {
		j := g.r.intn(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	g.order = nil
	return order
}

// person is who owns a unit's accounts.
type person struct {
	given, family *nameRec
	style         int // how they write their email's local part
}

func (g *generator) newPerson() person {
	return person{given: &givenNames[g.r.intn(len(givenNames))], family: &familyNames[g.r.intn(len(familyNames))], style: g.r.intn(5)}
}

// appendLocal appends a local part or username in one of five styles; the
// unit number makes it unique in the tenant.
func (g *generator) appendLocal(b []byte, p *person, style int) []byte {
	switch style {
	case 0:
		b = append(append(append(b, p.given.ascii...), '.'), p.family.ascii...)
	case 1:
		b = append(b, p.given.ascii...)
	case 2:
		b = append(append(b, p.given.ascii[0]), p.family.ascii...)
	case 3:
		b = append(append(append(b, p.given.ascii...), '_'), p.family.ascii...)
	default:
		b = append(append(append(b, p.family.ascii...), '.'), p.given.ascii...)
	}
	return strconv.AppendUint(b, g.unit, 10)
}

// setEmail makes the unit's email the person's own at domain.
func (g *generator) setEmail(p *person, domain string) []byte {
	g.email = append(g.appendLocal(g.email[:0], p, p.style), '@')
	g.email = append(g.email, domain...)
	return g.email
}

func (g *generator) domainFor(conns ...connKind) string {
	for _, c := range conns {
		if c == connAcme {
			return acmeDomain
		}
	}
	for _, c := range conns {
		if c == connGoogle && g.r.permille(200) {
			return choose(&g.r, workspaceDomains)
		}
		if c == connGoogle {
			return "gmail.com"
		}
	}
	return choose(&g.r, consumerDomains)
}

// ---- timestamps and activity ----

const (
	hourMs = int64(time.Hour / time.Millisecond)
	dayMs  = 24 * hourMs
	yearMs = 365 * dayMs
)

// created returns a signup time over the last six and a half years, more
// of them recent, as a growing product has.
func (g *generator) created() int64 {
	return g.now - hourMs - int64(float64(13*yearMs/2)*math.Pow(g.r.float(), 1.7))
}

// later returns a time after t and before now.
func (g *generator) later(t int64) int64 {
	if span := g.now - t - 2*hourMs; span > 0 {
		return t + hourMs + int64(g.r.float()*float64(span))
	}
	return t + 60_000
}

// logins has many 1s, some never-logged-in users and a long tail.
func (g *generator) logins() int64 {
	r := &g.r
	switch x := r.intn(1000); {
	case x < 40:
		return 0
	case x < 420:
		return 1
	case x < 620:
		return int64(2 + r.intn(4))
	case x < 820:
		return int64(6 + r.intn(25))
	case x < 950:
		return int64(31 + r.intn(270))
	}
	return int64(301 + r.intn(2700))
}

// newestLogins is the newest account's logins_count: above 1 when the
// Account Link Extension missed the group, else 0 or 1 (it can still act).
func (g *generator) newestLogins(missed bool) int64 {
	if !missed {
		return int64(g.r.intn(10)+9) / 10 // mostly 1, sometimes 0
	}
	for {
		if n := g.logins(); n > 1 {
			return n
		}
	}
}

// ---- users ----

// acct describes one account to make.
type acct struct {
	conn     connKind
	p        *person
	email    []byte // lower-case; nil means none
	idpCase  bool   // keep the IdP's capitalization (social and enterprise)
	verified emulator.Flag
	created  int64
	logins   int64
	username []byte
	largeID  bool
	meta     metaKind
	metaArg  int
}

type metaKind uint8

const (
	metaRandom   metaKind = iota
	metaConflict          // duplicates whose metadata disagree; metaArg is the account's index
	metaParent
	metaChild
	metaShop // metaArg is the location
	metaLegacy
)

// addUser makes a standalone user of the current chunk.
func (g *generator) addUser(a *acct, secondaries int) *emulator.User {
	u := g.newUser(a, 1+secondaries)
	g.order = append(g.order, u)
	return u
}

// addLinked makes sec and links it into u as identities[i].
func (g *generator) addLinked(u *emulator.User, i int, sec *acct) {
	s := g.newUser(sec, 1)
	g.links = append(g.links, pendingLink{dst: &u.Identities[i], sec: s})
}

func (g *generator) newUser(a *acct, identities int) *emulator.User {
	u := &g.users.alloc(1)[0]
	c := &genConns[a.conn]
	t := &g.text
	u.Identities = g.identities.alloc(identities)
	id := &u.Identities[0]
	id.Connection, id.Provider, id.IsSocial = c.name, c.strategy, c.social

	// user_id is provider|id; identities[0].user_id is the id alone.
	start := len(t.buf)
	t.buf = append(append(t.buf, c.strategy...), '|')
	idStart := len(t.buf)
	g.seq++
	idNum := mix64(g.seq ^ g.salt)
	switch a.conn {
	case connGoogle:
		t.buf = append(t.buf, '1')
		t.buf = appendPadded(t.buf, idNum, 20)
	case connGitHub:
		n := 1 + perm28(g.seq, g.salt)
		if a.largeID || g.r.permille(80) {
			n = 1<<53 + 1 + n*1000003
		}
		t.buf = strconv.AppendUint(t.buf, n, 10)
		id.UserID.Numeric = true
	case connAcme:
		t.buf = append(append(t.buf, c.name...), '|')
		t.buf = appendEmail(t.buf, a.email, a.idpCase)
	case connLegacy:
		t.buf = strconv.AppendUint(t.buf, 1_000_000+perm28(g.seq, g.salt), 10)
	default: // database and sms ids look like Mongo ObjectIds: creation second, then unique bytes
		t.buf = appendHex(t.buf, uint64(a.created/1000), 8)
		t.buf = appendHex(t.buf, idNum, 16)
	}
	t.set(&u.UserID, start)
	t.set(&id.UserID.Value, idStart)
	idText := t.buf[idStart:]

	// Fields that repeat another's text (a name that is the email, a
	// nickname that is its local part or the username) share its bytes.
	emailAt, emailEnd, idpCase := len(t.buf), len(t.buf), a.idpCase && !c.database
	if a.email != nil {
		t.buf = appendEmail(t.buf, a.email, idpCase)
		emailEnd = len(t.buf)
		t.set(&u.Email, emailAt)
		u.EmailVerified = a.verified
	}
	local := a.email[:max(0, bytes.IndexByte(a.email, '@'))]
	putLocal := func() { // the nickname: the email's local part, lower-case
		if idpCase {
			g.putString(&u.Nickname, local)
		} else {
			t.setRange(&u.Nickname, emailAt, emailAt+len(local))
		}
	}
	usernameAt := len(t.buf)
	g.putString(&u.Username, a.username)
	usernameEnd := len(t.buf)
	if a.p != nil && a.conn != connSMS {
		u.GivenName, u.FamilyName = a.p.given.display, a.p.family.display
	}
	switch a.conn {
	case connSMS:
		start = len(t.buf)
		t.buf = append(t.buf, choose(&g.r, phonePrefixes)...)
		t.buf = appendPadded(t.buf, perm28(g.seq, g.salt^0x5a5a), 9)
		t.set(&u.PhoneNumber, start)
		t.set(&u.Name, start) // passwordless users are named by their phone number
		t.set(&u.Nickname, start)
		u.PhoneVerified = emulator.FlagTrue
		u.Picture = "https://cdn.auth0.com/avatars/default.png"
	case connUPA:
		if g.r.permille(550) { // signed up with email only: Auth0 names them by it
			u.GivenName, u.FamilyName = "", ""
			t.setRange(&u.Name, emailAt, emailEnd)
		} else {
			g.putName(u, a.p)
		}
		putLocal()
		g.putGravatar(u, a)
	case connGoogle:
		g.putName(u, a.p)
		putLocal()
		start = len(t.buf)
		t.buf = append(t.buf, "https://lh3.googleusercontent.com/a/ACg8oc"...)
		for range 4 {
			t.buf = appendBase64URL(t.buf, g.r.next(), 10)
		}
		t.buf = append(t.buf, "=s96-c"...)
		t.set(&u.Picture, start)
	case connGitHub:
		start = len(t.buf)
		t.buf = g.appendLocal(t.buf, a.p, 2)
		t.set(&u.Nickname, start)
		if g.r.permille(200) { // no display name on GitHub: Auth0 uses the login
			u.GivenName, u.FamilyName = "", ""
			t.set(&u.Name, start)
		} else {
			g.putName(u, a.p)
		}
		start = len(t.buf)
		t.buf = append(t.buf, "https://avatars.githubusercontent.com/u/"...)
		t.buf = append(t.buf, idText...)
		t.buf = append(t.buf, "?v=4"...)
		t.set(&u.Picture, start)
	case connFamily, connLegacy:
		if a.p == nil { // a shop's location
			t.setRange(&u.Name, usernameAt, usernameEnd)
		} else {
			g.putName(u, a.p)
		}
		t.setRange(&u.Nickname, usernameAt, usernameEnd)
		g.putGravatar(u, a)
	default: // acme-corp
		g.putName(u, a.p)
		putLocal()
		g.putGravatar(u, a)
	}

	if !c.database { // only a database user can exist without a first login
		a.logins = max(a.logins, 1)
	}
	u.CreatedAt = time.UnixMilli(a.created).UTC()
	u.LoginsCount = a.logins
	u.HasLoginsCount = a.logins > 0 // a user who never logged in has no logins_count
	updated := a.created
	if a.logins > 0 {
		last := a.created + 1000 + int64(g.r.intn(5000))
		if a.logins > 1 {
			last = a.created + int64(float64(g.now-a.created)*(0.3+0.7*g.r.float()))
		}
		last = min(last, g.now-1000)
		u.LastLogin = time.UnixMilli(last).UTC()
		updated = last
		g.putIP(u)
	}
	u.UpdatedAt = time.UnixMilli(updated).UTC()
	if g.r.permille(5) {
		u.Blocked = emulator.FlagTrue
	}
	g.metadata(u, a)
	return u
}

// putString sets *dst to b once the chunk's text is final.
func (g *generator) putString(dst *string, b []byte) {
	start := len(g.text.buf)
	g.text.buf = append(g.text.buf, b...)
	g.text.set(dst, start)
}

func (g *generator) putName(u *emulator.User, p *person) {
	start := len(g.text.buf)
	g.text.buf = append(append(append(g.text.buf, p.given.display...), ' '), p.family.display...)
	g.text.set(&u.Name, start)
}

// putGravatar sets Auth0's default picture: the gravatar of the email, with
// the initials as fallback.
func (g *generator) putGravatar(u *emulator.User, a *acct) {
	sum := md5.Sum(a.email)
	t := &g.text
	start := len(t.buf)
	t.buf = append(t.buf, "https://s.gravatar.com/avatar/"...)
	t.buf = hex.AppendEncode(t.buf, sum[:])
	t.buf = append(t.buf, "?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F"...)
	if a.p != nil {
		t.buf = append(t.buf, a.p.given.ascii[0], a.p.family.ascii[0])
	} else {
		t.buf = append(t.buf, a.email[0], a.email[1])
	}
	t.buf = append(t.buf, ".png"...)
	t.set(&u.Picture, start)
}

func (g *generator) putIP(u *emulator.User) {
	t := &g.text
	start := len(t.buf)
	x := g.r.next()
	if x&7 == 0 {
		t.buf = append(t.buf, "2a02:"...)
		for i := range 3 {
			if i > 0 {
				t.buf = append(t.buf, ':')
			}
			t.buf = strconv.AppendUint(t.buf, x>>(16*i+8)&0xffff, 16)
		}
		t.buf = append(t.buf, "::"...)
		t.buf = strconv.AppendUint(t.buf, x>>56, 16)
	} else {
		t.buf = strconv.AppendUint(t.buf, uint64(ipFirstOctets[(x>>8)%uint64(len(ipFirstOctets))]), 10)
		for i := range 3 {
			t.buf = strconv.AppendUint(append(t.buf, '.'), x>>(16+8*i)&0xff, 10)
		}
	}
	t.set(&u.LastIP, start)
}

// metadata writes user_metadata and app_metadata as compact JSON.
func (g *generator) metadata(u *emulator.User, a *acct) {
	r := &g.r
	conflict := a.meta == metaConflict
	if conflict || r.permille(400) {
		w := rawjson.Writer{B: g.raw.begin()}
		w.B = append(w.B, '{')
		theme := metaThemes[r.intn(len(metaThemes))]
		if conflict {
			theme = metaThemes[a.metaArg%len(metaThemes)]
		}
		switch x := r.intn(3); {
		case x == 0 || conflict:
			w.Key("preferences")
			w.B = append(w.B, `{"theme":`...)
			w.B = rawjson.AppendString(w.B, theme)
			w.B = append(w.B, `,"language":`...)
			w.B = rawjson.AppendString(w.B, choose(r, metaLanguages))
			if x == 1 {
				w.B = append(w.B, `,"notifications":{"email":true,"sms":false}`...)
			}
			w.B = append(w.B, '}')
			if conflict || x == 1 {
				w.Key("newsletter")
				w.B = strconv.AppendBool(w.B, r.permille(500))
			}
		case x == 1:
			w.Key("newsletter")
			w.B = strconv.AppendBool(w.B, r.permille(500))
			w.Str("timezone", choose(r, metaTimezones))
		default:
			w.Str("timezone", choose(r, metaTimezones))
		}
		u.UserMetadata = g.raw.end(append(w.B, '}'))
	}
	if a.meta == metaRandom && !r.permille(500) {
		return
	}
	w := rawjson.Writer{B: g.raw.begin()}
	w.B = append(w.B, '{')
	switch a.meta {
	case metaParent:
		w.Str("role", "parent")
		w.Str("plan", "family")
	case metaChild:
		w.Str("role", "child")
		w.Key("parental_controls")
		w.B = append(w.B, "true"...)
	case metaShop:
		w.Key("store_id")
		w.B = append(w.B, `"st_`...)
		w.B = strconv.AppendUint(w.B, g.unit, 10)
		w.B = append(append(w.B, '_'), shopLocations[a.metaArg%len(shopLocations)]...)
		w.B = append(w.B, '"')
		w.Str("role", "store_manager")
	case metaLegacy:
		w.Key("legacy_id")
		w.B = strconv.AppendUint(append(w.B, `"L-`...), g.seq, 10)
		w.B = append(w.B, `","migrated":false`...)
	default:
		plan := choose(r, metaPlans)
		if a.meta == metaConflict {
			plan = metaPlans[(a.metaArg+int(g.unit))%len(metaPlans)]
		}
		w.Str("plan", plan)
		w.Key("roles")
		w.B = append(w.B, choose(r, metaRoleSets)...)
		if r.permille(500) {
			w.Key("customer_id")
			w.B = appendBase64URL(append(w.B, `"cus_`...), r.next(), 10)
			w.B = appendBase64URL(w.B, r.next(), 4)
			w.B = append(w.B, '"')
		}
	}
	u.AppMetadata = g.raw.end(append(w.B, '}'))
}

// profileData is what a linked identity keeps of its old user.
func (g *generator) profileData(s *emulator.User) json.RawMessage {
	w := rawjson.Writer{B: g.raw.begin()}
	w.B = append(w.B, '{')
	if s.Email != "" {
		w.Str("email", s.Email)
	}
	if s.EmailVerified.Set() {
		w.Key("email_verified")
		w.B = s.EmailVerified.AppendJSON(w.B)
	}
	for _, f := range [...]struct{ k, v string }{
		{"name", s.Name}, {"given_name", s.GivenName}, {"family_name", s.FamilyName},
		{"nickname", s.Nickname}, {"username", s.Username}, {"phone_number", s.PhoneNumber}, {"picture", s.Picture},
	} {
		if f.v != "" {
			w.Str(f.k, f.v)
		}
	}
	return g.raw.end(append(w.B, '}'))
}

// ---- the units ----

func (g *generator) single(p unitPlan) {
	c := p.conns[0]
	per := g.newPerson()
	a := acct{conn: c, p: &per, created: g.created(), logins: g.logins(), verified: emulator.FlagTrue, largeID: p.largeID}
	switch c {
	case connSMS:
		if g.r.permille(50) { // an email set through the API, never verified
			a.email, a.verified = g.setEmail(&per, choose(&g.r, consumerDomains)), emulator.FlagFalse
		}
	case connGitHub:
		if !p.noEmail {
			a.email = g.setEmail(&per, g.domainFor(c))
			a.verified = emulator.FlagOf(g.r.permille(950))
		}
	case connFamily:
		a.email = g.setEmail(&per, g.domainFor(c))
		a.username = g.appendLocal(g.username[:0], &per, 0)
		a.verified = emulator.FlagOf(g.r.permille(850))
	case connLegacy:
		a.email = g.setEmail(&per, g.domainFor(c))
		a.username = g.appendLocal(g.username[:0], &per, 2)
		a.verified, a.meta = g.legacyVerified(), metaLegacy
		a.created = g.createdLegacy()
	case connUPA:
		a.email = g.setEmail(&per, g.domainFor(c))
		a.verified = emulator.FlagOf(g.r.permille(880))
	default:
		a.email = g.setEmail(&per, g.domainFor(c))
	}
	g.addUser(&a, 0)
}

// samePerson makes one person's unlinked accounts on different connections.
func (g *generator) samePerson(p unitPlan) {
	per := g.newPerson()
	email := g.setEmail(&per, g.domainFor(p.conns[:p.n]...))
	conflict := g.r.permille(500)
	unverified := -1
	if p.kind == unitNeedsVerification {
		unverified = g.unverifiable(p.conns[:p.n])
	}
	t := g.created()
	accounts := make([]*emulator.User, p.n)
	for i, c := range p.conns[:p.n] {
		a := acct{conn: c, p: &per, email: email, idpCase: p.idpCase, verified: emulator.FlagTrue, created: t, logins: g.logins()}
		if i == p.n-1 {
			a.logins = g.newestLogins(p.missed)
		}
		if i == unverified {
			a.verified = emulator.FlagFalse
		}
		if conflict {
			a.meta, a.metaArg = metaConflict, i
		}
		accounts[i] = g.addUser(&a, 0)
		t = g.later(t)
	}
	g.memberships(accounts)
}

// memberships gives some of a duplicate group's accounts roles and
// organization memberships: about one group in five, the newest account
// (the one a link makes the secondary) as often as the others, and the
// first such group always on its newest account, so that even a small
// tenant has memberships that a link would lose.
func (g *generator) memberships(accounts []*emulator.User) {
	m := &g.m
	if g.members > 0 && !m.permille(200) {
		return
	}
	g.members++
	u := accounts[len(accounts)-1]
	if g.members > 1 {
		u = accounts[m.intn(len(accounts))]
	}
	roles, orgs := Roles(), Organizations()
	u.Roles = []string{roles[m.intn(len(roles))].ID}
	if g.members == 1 || m.permille(600) {
		u.Organizations = []string{orgs[m.intn(len(orgs))].ID}
	}
	if m.permille(150) { // another account of the group has a role of its own
		other := accounts[m.intn(len(accounts))]
		if other != u {
			other.Roles = []string{roles[m.intn(len(roles))].ID}
		}
	}
}

// unverifiable picks the account whose email may be unverified: a database
// signup first, then github, then the enterprise one.
func (g *generator) unverifiable(conns []connKind) int {
	for _, want := range [...]connKind{connUPA, connGitHub, connAcme} {
		for i, c := range conns {
			if c == want {
				return i
			}
		}
	}
	return 0
}

// linked makes a user that already carries linked secondaries, and for
// unitLinkedWithDuplicate one more account that was never linked.
func (g *generator) linked(p unitPlan) {
	per := g.newPerson()
	email := g.setEmail(&per, g.domainFor(p.conns[:p.n]...))
	t := g.created()
	primary := acct{conn: p.conns[0], p: &per, email: email, verified: emulator.FlagTrue, created: t, logins: 2 + g.logins()}
	u := g.addUser(&primary, p.n-1)
	for i := 1; i < p.n; i++ {
		t = g.later(t)
		sec := acct{conn: p.conns[i], p: &per, email: email, idpCase: p.idpCase, verified: emulator.FlagTrue, created: t, logins: 1}
		g.addLinked(u, i, &sec)
	}
	if p.kind == unitLinkedWithDuplicate {
		dup := acct{conn: p.dup, p: &per, email: email, idpCase: p.idpCase, verified: emulator.FlagTrue,
			created: g.later(t), logins: g.newestLogins(p.missed)}
		g.addUser(&dup, 0)
	}
}

// family makes accounts sharing one email in the Non-Unique Email
// connection: a parent and children, or a shop's locations; for
// unitFamilyWithGoogle also the parent's own google account.
func (g *generator) family(p unitPlan) {
	parent := g.newPerson()
	if p.shop {
		shop := choose(&g.r, shopNames)
		g.email = strconv.AppendUint(append(g.email[:0], "orders"...), g.unit, 10)
		g.email = append(append(append(g.email, '@'), shop...), ".com"...)
		first := g.r.intn(len(shopLocations))
		t := g.created()
		for i := range p.n {
			loc := (first + i) % len(shopLocations)
			g.username = append(append(append(g.username[:0], shop...), '-'), shopLocations[loc]...)
			g.username = strconv.AppendUint(g.username, g.unit, 10)
			a := acct{conn: connFamily, email: g.email, username: g.username, verified: emulator.FlagOf(i == 0 || g.r.permille(600)),
				created: t, logins: g.logins(), meta: metaShop, metaArg: loc}
			g.addUser(&a, 0)
			t = g.later(t)
		}
		return
	}
	g.email = append(append(g.email[:0], parent.family.ascii...), ".family"...)
	g.email = strconv.AppendUint(g.email, g.unit, 10)
	domain := choose(&g.r, consumerDomains)
	if p.kind == unitFamilyWithGoogle {
		domain = g.domainFor(connGoogle)
	}
	g.email = append(append(g.email, '@'), domain...)
	t := g.created()
	firstGiven := g.r.intn(len(givenNames))
	for i := range p.n {
		member := parent
		meta := metaParent
		if i > 0 { // children: distinct given names, so distinct usernames
			member.given = &givenNames[(firstGiven+i*7)%len(givenNames)]
			if member.given == parent.given {
				member.given = &givenNames[(firstGiven+i*7+1)%len(givenNames)]
			}
			meta = metaChild
		}
		g.username = g.appendLocal(g.username[:0], &member, 0)
		a := acct{conn: connFamily, p: &member, email: g.email, username: g.username,
			verified: emulator.FlagOf(i == 0 || g.r.permille(700)), created: t, logins: g.logins(), meta: meta}
		g.addUser(&a, 0)
		t = g.later(t)
	}
	if p.kind == unitFamilyWithGoogle {
		a := acct{conn: connGoogle, p: &parent, email: g.email, idpCase: p.idpCase, verified: emulator.FlagTrue,
			created: t, logins: g.logins()}
		g.addUser(&a, 0)
	}
}

// legacy makes several profiles with one email in the custom database: the
// same person registered twice, or a household.
func (g *generator) legacy(p unitPlan) {
	per := g.newPerson()
	email := g.setEmail(&per, g.domainFor(connLegacy))
	household := g.r.permille(300)
	t := g.createdLegacy()
	for i := range p.n {
		member := per
		if household && i > 0 {
			member.given = &givenNames[g.r.intn(len(givenNames))]
		}
		// Styles 0, 1 and 2 never coincide, so usernames stay unique.
		g.username = g.appendLocal(g.username[:0], &member, i)
		a := acct{conn: connLegacy, p: &member, email: email, username: g.username, verified: g.legacyVerified(),
			created: t, logins: g.logins(), meta: metaLegacy}
		if i == 0 { // imported profiles carry the flag as the script returned it
			a.verified = emulator.FlagTrueString
		}
		g.addUser(&a, 0)
		t = g.later(t)
	}
}

// createdLegacy is a signup in the custom database's years, before the
// tenant's newest users.
func (g *generator) createdLegacy() int64 {
	return g.now - 3*yearMs - int64(g.r.float()*float64(5*yearMs))
}

// legacyVerified is email_verified as a custom database script returns it:
// often a string.
func (g *generator) legacyVerified() emulator.Flag {
	switch x := g.r.intn(20); {
	case x < 9:
		return emulator.FlagTrueString
	case x < 11:
		return emulator.FlagFalseString
	case x < 18:
		return emulator.FlagTrue
	}
	return emulator.FlagFalse
}

// ---- text ----

// appendEmail appends a lower-case email, capitalized the way an identity
// provider may send it ("John.Doe@Acme.com") when idpCase is set.
func appendEmail(b, email []byte, idpCase bool) []byte {
	start := len(b)
	b = append(b, email...)
	if !idpCase {
		return b
	}
	up, domain := true, false
	for i := start; i < len(b); i++ {
		c := b[i]
		if up && 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		domain = domain || c == '@'
		up = c == '@' || !domain && (c == '.' || c == '_')
	}
	return b
}

const hexLower = "0123456789abcdef"

// appendHex appends the low 4*digits bits of x as lower-case hex.
func appendHex(b []byte, x uint64, digits int) []byte {
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexLower[x>>(4*i)&0xf])
	}
	return b
}

// appendPadded appends x in decimal, zero-padded to width digits.
func appendPadded(b []byte, x uint64, width int) []byte {
	var d [20]byte
	s := strconv.AppendUint(d[:0], x, 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// appendBase64URL appends n (at most 10) random-looking characters from x.
func appendBase64URL(b []byte, x uint64, n int) []byte {
	for range n {
		b = append(b, base64URL[x&63])
		x >>= 6
	}
	return b
}

// ---- memory ----

// slab hands out slices of a large block so that a chunk's users and
// identities are a few allocations instead of millions. A block is never
// grown, so handed-out slices stay where they are.
type slab[T any] struct{ block []T }

const slabSize = 1024

func (s *slab[T]) alloc(n int) []T {
	if cap(s.block)-len(s.block) < n {
		s.block = make([]T, 0, max(n, slabSize))
	}
	i := len(s.block)
	s.block = s.block[:i+n]
	return s.block[i : i+n : i+n]
}

// textArena collects a chunk's strings in one buffer and makes them real
// strings in one allocation at flush.
type textArena struct {
	buf   []byte
	fixes []textFix
}

type textFix struct {
	dst        *string
	start, end int
}

// set makes *dst the text appended since start, once flushed.
func (a *textArena) set(dst *string, start int) { a.setRange(dst, start, len(a.buf)) }

// setRange makes *dst the text buf[start:end], once flushed.
func (a *textArena) setRange(dst *string, start, end int) {
	if end > start {
		a.fixes = append(a.fixes, textFix{dst, start, end})
	}
}

func (a *textArena) flush() {
	s := string(a.buf)
	for _, f := range a.fixes {
		*f.dst = s[f.start:f.end]
	}
	a.buf, a.fixes = a.buf[:0], a.fixes[:0]
}

// rawArena holds compact JSON values (metadata, profileData) in shared
// blocks. Each value is capped, so appending to it copies instead of
// overwriting its neighbour.
type rawArena struct{ block []byte }

const rawBlockSize = 64 << 10

// begin returns an empty slice to append one value to.
func (a *rawArena) begin() []byte {
	if cap(a.block)-len(a.block) < 4<<10 {
		a.block = make([]byte, 0, rawBlockSize)
	}
	return a.block[len(a.block):]
}

// end takes the value appended to begin's slice.
func (a *rawArena) end(v []byte) json.RawMessage {
	if cap(v) != cap(a.block)-len(a.block) { // outgrew the block: it is a copy of its own
		return v[:len(v):len(v)]
	}
	a.block = a.block[:len(a.block)+len(v)]
	return v[:len(v):len(v)]
}

// ---- connections ----

func (c *connInfo) connection() *emulator.Connection {
	opts, err := emulator.DecodeOptions([]byte(c.options))
	if err != nil {
		panic("emulator: options of " + c.name + ": " + err.Error())
	}
	return &emulator.Connection{
		ID: emulator.ConnectionIDFor(c.name), Name: c.name, DisplayName: c.display, Strategy: c.strategy,
		Options: opts, EnabledClients: append([]string(nil), genClientIDs...), Realms: []string{c.name},
	}
}
