package linking

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/linkdesk/linkdesk/client"
)

// Identity is an identity linked into an account (identities[1:]) with the
// fields of its profileData that tell who it was.
type Identity struct {
	Connection, Provider, UserID string // UserID without the provider prefix
	IsSocial                     bool
	Email                        string
	EmailVerified                bool
	Username, PhoneNumber, Name  string
}

// Account is one user of the tenant: a user with linked identities is one
// account, its secondaries listed in Linked.
type Account struct {
	UserID                         string // provider|id
	Connection, Provider, Strategy string
	Email                          string // as stored (original case)
	EmailVerified                  bool
	Blocked                        bool // blocked from signing in
	Username, PhoneNumber, Name    string
	LoginsCount                    int64
	LastLogin, CreatedAt           time.Time // zero when unknown
	Linked                         []Identity

	// Identifier is the account's primary identifier; Classify fills it.
	Identifier PrimaryIdentifier
}

// PrimaryIdentifier is what identifies an account on its connection.
type PrimaryIdentifier struct {
	Type  string // IdentifierEmail, IdentifierUsername, IdentifierPhoneNumber or IdentifierUserID
	Value string
}

func (p PrimaryIdentifier) String() string { return p.Type + " " + p.Value }

// AccountFromUser turns a user read through the Management API into an
// account. Connection and provider names are interned in conns (which may be
// nil); an unknown connection is learned as inferred.
func AccountFromUser(u client.User, conns *Connections) Account {
	a := Account{
		UserID: u.UserID, Email: u.Email, EmailVerified: u.EmailVerified, Blocked: u.Blocked,
		Username: u.Username, PhoneNumber: u.PhoneNumber, Name: u.Name,
		LoginsCount: u.LoginsCount, LastLogin: u.LastLogin, CreatedAt: u.CreatedAt,
	}
	if conns == nil {
		conns = InferConnections()
	}
	if len(u.Identities) > 0 {
		own := u.Identities[0]
		conn := conns.At(conns.Index([]byte(own.Connection), []byte(own.Provider), own.IsSocial))
		a.Connection, a.Strategy = conn.Name, conn.Strategy
		a.Provider = conns.Intern([]byte(own.Provider))
		if a.UserID == "" && own.Provider != "" && own.UserID != "" {
			a.UserID = own.Provider + "|" + own.UserID
		}
	} else if p, _, ok := strings.Cut(u.UserID, "|"); ok {
		a.Provider, a.Strategy = conns.Intern([]byte(p)), conns.Intern([]byte(p))
	}
	for _, id := range u.Linked() {
		conn := conns.At(conns.Index([]byte(id.Connection), []byte(id.Provider), id.IsSocial))
		l := Identity{
			Connection: conn.Name, Provider: conns.Intern([]byte(id.Provider)),
			UserID: id.UserID, IsSocial: id.IsSocial,
		}
		pd := id.ProfileData
		l.Email, l.EmailVerified = profileString(pd, "email"), profileBool(pd, "email_verified")
		l.Username, l.PhoneNumber, l.Name = profileString(pd, "username"), profileString(pd, "phone_number"), profileString(pd, "name")
		a.Linked = append(a.Linked, l)
	}
	return a
}

func profileString(pd map[string]any, k string) string {
	s, _ := pd[k].(string)
	return s
}

// profileBool accepts true and the string "true" (any case), as real tenants hold both.
func profileBool(pd map[string]any, k string) bool {
	switch v := pd[k].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// TellsApart reports whether a's primary identifier (a.Identifier, as
// Classify fills it) names a alone among others: it is no user id, and no
// other account holds that value as its identifier, email, username or
// phone number (compared without case). The email a group shares names
// none of its accounts, whatever their identifiers.
func TellsApart(a *Account, others []*Account) bool {
	v := a.Identifier.Value
	if v == "" || a.Identifier.Type == IdentifierUserID {
		return false
	}
	for _, o := range others {
		if o == a || o.UserID == a.UserID {
			continue
		}
		for _, x := range []string{o.Identifier.Value, o.Email, o.Username, o.PhoneNumber} {
			if x != "" && strings.EqualFold(x, v) {
				return false
			}
		}
	}
	return true
}

// UsernameTellsApart is the username of an account of g whose email, its
// primary identifier, another account of g on the same connection holds
// too (the several profiles of one email of a legacy custom database),
// where the username tells it apart: what names it in place of the email,
// as NameAccounts names it in plans and the audit log.
func UsernameTellsApart(g *Group, a *Account) (PrimaryIdentifier, bool) {
	if g == nil || a == nil || a.Username == "" || a.Identifier.Type != IdentifierEmail {
		return PrimaryIdentifier{}, false
	}
	shared := slices.ContainsFunc(g.Accounts, func(o *Account) bool {
		return o.UserID != a.UserID && (o.Connection == a.Connection && strings.EqualFold(o.Identifier.Value, a.Identifier.Value) || holdsLinkedProfile(o, a))
	})
	by := *a
	by.Identifier = PrimaryIdentifier{Type: IdentifierUsername, Value: a.Username}
	return by.Identifier, shared && TellsApart(&by, g.Accounts)
}

// NamedBy is what names each account of g, in the order of g.Accounts: its
// primary identifier; or, for one of the several profiles of one email of a
// legacy custom database, the username that tells it apart
// (UsernameTellsApart), else its user id (no username, or one another
// account holds in another case). The report's table, JSON (named_by) and
// CSV name accounts by it, as plans and the TUI do. One pass over the
// group: a legacy database may hold thousands of profiles under one
// placeholder email, where asking UsernameTellsApart of each would be
// quadratic.
//
// nil says every account is named by its primary identifier (the common
// case, found without allocating in a small group).
func NamedBy(g *Group) []PrimaryIdentifier {
	if len(g.Accounts) <= 16 && !sharesAnIdentifier(g.Accounts) {
		return nil
	}
	type onConn struct{ conn, value string }
	sameID := map[onConn]int{}  // accounts by connection and identifier (any case)
	holders := map[string]int{} // accounts holding a value as identifier, email, username or phone (any case)
	for _, a := range g.Accounts {
		sameID[onConn{a.Connection, foldKey(a.Identifier.Value)}]++
		for _, l := range a.Linked { // a profile linked into an account elsewhere is one of them still
			if l.Email != "" {
				sameID[onConn{l.Connection, foldKey(l.Email)}]++
			}
			if l.Username != "" {
				holders[foldKey(l.Username)]++
			}
		}
		var held [4]string
		for i, x := range [...]string{a.Identifier.Value, a.Email, a.Username, a.PhoneNumber} {
			if k := foldKey(x); x != "" && !slices.Contains(held[:i], k) {
				held[i] = k
				holders[k]++
			}
		}
	}
	out := make([]PrimaryIdentifier, len(g.Accounts))
	for i, a := range g.Accounts {
		out[i] = a.Identifier
		if a.Identifier.Type != IdentifierEmail || sameID[onConn{a.Connection, foldKey(a.Identifier.Value)}] < 2 {
			continue // its identifier is its own on its connection
		}
		if a.Username != "" && holders[foldKey(a.Username)] == 1 { // held by a alone
			out[i] = PrimaryIdentifier{Type: IdentifierUsername, Value: a.Username}
		} else {
			out[i] = PrimaryIdentifier{Type: IdentifierUserID, Value: a.UserID}
		}
	}
	return out
}

// sharesAnIdentifier reports whether two accounts of one connection have
// one email as their identifier (any case), pair by pair.
func sharesAnIdentifier(accounts []*Account) bool {
	for i, a := range accounts {
		for _, o := range accounts[i+1:] {
			if (a.Identifier.Type == IdentifierEmail || o.Identifier.Type == IdentifierEmail) &&
				o.Connection == a.Connection && strings.EqualFold(o.Identifier.Value, a.Identifier.Value) {
				return true
			}
		}
		if a.Identifier.Type == IdentifierEmail && slices.ContainsFunc(accounts, func(o *Account) bool { return o != a && holdsLinkedProfile(o, a) }) {
			return true
		}
	}
	return false
}

// holdsLinkedProfile reports whether o holds, through a linked identity, a
// profile on a's connection with a's email as identifier: one of the
// profiles of that email, linked into an account elsewhere.
func holdsLinkedProfile(o, a *Account) bool {
	return slices.ContainsFunc(o.Linked, func(l Identity) bool {
		return l.Connection == a.Connection && strings.EqualFold(l.Email, a.Identifier.Value)
	})
}

// foldKey is s with each rune the least of its simple case-folding orbit,
// an ASCII capital written in lower case: two strings have one key exactly
// when strings.EqualFold holds, and a lower-case ASCII string is its own
// key (no copy).
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		if 'A' <= least && least <= 'Z' {
			return least + 'a' - 'A'
		}
		return least
	}, s)
}

// PrimaryIdentifier says who the account is on its connection: on a
// Non-Unique Email connection the first active identifier other than email
// (username or phone_number) by precedence; the phone on sms; on other
// database connections the email, then the username (requires_username or an
// active username identifier), then the phone; on social and enterprise
// connections the email. When none of these has a value, the user id.
func (a *Account) PrimaryIdentifier(conns *Connections) PrimaryIdentifier {
	conn := conns.lookup(a.Connection, a.Provider)
	for _, t := range identifierCandidates(conn) {
		if v := a.identifierValue(t); v != "" {
			return PrimaryIdentifier{Type: t, Value: v}
		}
	}
	return PrimaryIdentifier{Type: IdentifierUserID, Value: a.UserID}
}

// PrimaryIdentifier says who a linked identity was on its connection, from
// its old profile (profileData), as Account.PrimaryIdentifier does: a
// family member linked into another account is still named by username.
func (l Identity) PrimaryIdentifier(conns *Connections) PrimaryIdentifier {
	a := Account{UserID: l.Provider + "|" + l.UserID, Connection: l.Connection, Provider: l.Provider,
		Email: l.Email, Username: l.Username, PhoneNumber: l.PhoneNumber}
	return a.PrimaryIdentifier(conns)
}

// identifierCandidates are the identifier types tried in order.
func identifierCandidates(conn *Connection) []string {
	switch {
	case conn.NonUniqueEmail:
		var out []string
		for _, id := range conn.Identifiers {
			if id != IdentifierEmail {
				out = append(out, id)
			}
		}
		return out
	case conn.Strategy == client.StrategySMS:
		return []string{IdentifierPhoneNumber}
	case conn.IsDatabase:
		out := []string{IdentifierEmail}
		if conn.RequiresUsername {
			out = append(out, IdentifierUsername)
		}
		for _, id := range conn.Identifiers {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out
	}
	return []string{IdentifierEmail}
}

func (a *Account) identifierValue(t string) string {
	switch t {
	case IdentifierEmail:
		return a.Email
	case IdentifierUsername:
		return a.Username
	case IdentifierPhoneNumber:
		return a.PhoneNumber
	}
	return ""
}
