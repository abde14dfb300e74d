package linking

// record is how the scanner holds an account until the report: every string
// of the account in one allocation, the connection as an interned index, times
// as stamps. Only accounts that end up in a group become Accounts.
type record struct {
	text      string    // user id, email, username, phone, name, then linked identities' strings
	ends      [5]uint32 // where user id, email, username, phone and name end in text
	conn      uint32    // index in Connections, or noConnection
	verified  bool
	provider  string // interned
	logins    int64
	lastLogin stamp
	createdAt stamp
}

func (r *record) field(i int) string {
	start := uint32(0)
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.text[start:r.ends[i]]
}

func (r *record) email() string { return r.field(1) }

// account materializes the record with its linked identities.
func (r *record) account(conns *Connections, linked []Identity) Account {
	a := Account{
		UserID: r.field(0), Email: r.field(1), EmailVerified: r.verified,
		Username: r.field(2), PhoneNumber: r.field(3), Name: r.field(4),
		Provider: r.provider, Strategy: r.provider,
		LoginsCount: r.logins, LastLogin: r.lastLogin.time(), CreatedAt: r.createdAt.time(),
		Linked: linked,
	}
	if r.conn != noConnection {
		conn := conns.at(r.conn)
		a.Connection, a.Strategy = conn.Name, conn.Strategy
	}
	return a
}

// recordOf packs an account given through the API path.
func recordOf(a *Account, conns *Connections) (record, []Identity) {
	r := record{
		verified: a.EmailVerified, logins: a.LoginsCount,
		lastLogin: stampOf(a.LastLogin), createdAt: stampOf(a.CreatedAt),
		provider: conns.intern([]byte(a.Provider)), conn: noConnection,
	}
	if a.Connection != "" {
		r.conn = conns.index([]byte(a.Connection), []byte(a.Provider), socialStrategies[a.Provider])
	}
	n := 0
	for i, f := range [5]string{a.UserID, a.Email, a.Username, a.PhoneNumber, a.Name} {
		n += len(f)
		r.ends[i] = uint32(n)
	}
	r.text = a.UserID + a.Email + a.Username + a.PhoneNumber + a.Name
	return r, a.Linked
}
