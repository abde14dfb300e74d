package scan

import (
	"unsafe"

	"github.com/linkdesk/linkdesk/linking"
)

// record is how the scanner holds an account until the report, in 64 bytes:
// every string of the account in one allocation, the connection as an
// interned index, times as stamps. The scanner keeps email_verified in a
// bitset, and the rare blocked account and provider that is not the
// connection's aside. Only
// accounts that end up in a group become Accounts.
type record struct {
	text      string    // user id, email, username, phone, name, then linked identities' strings
	ends      [5]uint32 // where user id, email, username, phone and name end in text
	conn      uint32    // index in Connections, or noConnection
	logins    int64
	lastLogin stamp
	createdAt stamp
}

// recordExtra is what a record leaves to the scanner.
type recordExtra struct {
	verified bool
	blocked  bool
	provider string // interned
	linked   []linking.Identity
}

func (r *record) field(i int) string {
	start := uint32(0)
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.text[start:r.ends[i]]
}

func (r *record) email() string { return r.field(1) }

// account materializes the record.
func (r *record) account(conns *linking.Connections, x recordExtra) linking.Account {
	a := linking.Account{
		UserID: r.field(0), Email: r.field(1), EmailVerified: x.verified, Blocked: x.blocked,
		Username: r.field(2), PhoneNumber: r.field(3), Name: r.field(4),
		Provider: x.provider, Strategy: x.provider,
		LoginsCount: r.logins, LastLogin: r.lastLogin.time(), CreatedAt: r.createdAt.time(),
		Linked: x.linked,
	}
	if r.conn != noConnection {
		conn := conns.At(r.conn)
		a.Connection, a.Strategy = conn.Name, conn.Strategy
	}
	return a
}

// recordOf packs an account given through the API path.
func recordOf(a *linking.Account, conns *linking.Connections) (record, recordExtra) {
	r := record{
		logins: a.LoginsCount, conn: noConnection,
		lastLogin: stampOf(a.LastLogin), createdAt: stampOf(a.CreatedAt),
	}
	if a.Connection != "" {
		r.conn = conns.Index([]byte(a.Connection), []byte(a.Provider), linking.IsSocialStrategy(a.Provider))
	}
	n := 0
	for i, f := range [5]string{a.UserID, a.Email, a.Username, a.PhoneNumber, a.Name} {
		n += len(f)
		r.ends[i] = uint32(n)
	}
	r.text = a.UserID + a.Email + a.Username + a.PhoneNumber + a.Name
	return r, recordExtra{verified: a.EmailVerified, blocked: a.Blocked, provider: conns.Intern([]byte(a.Provider)), linked: a.Linked}
}

// textArena holds the scanner's record texts back to back in chunks of a
// megabyte: one allocation a chunk instead of one a record, and for the
// collector a few hundred objects instead of a million. A chunk is only
// ever appended to, so the strings cut from it never change; it lives as
// long as one of them does.
type textArena struct{ chunk []byte }

const textChunk = 1 << 20

// str copies b into the arena and returns it as a string.
func (a *textArena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(a.chunk)-len(a.chunk) < len(b) {
		a.chunk = make([]byte, 0, max(textChunk, len(b)))
	}
	off := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return unsafe.String(&a.chunk[off], len(b))
}
