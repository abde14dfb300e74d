package linking

import (
	"cmp"
	"fmt"
	"strconv"
	"time"

	"github.com/linkdesk/linkdesk/client"
)

// criterion is one step of the primary choice: better returns > 0 when a
// makes the better primary than b, and why says so in words.
type criterion struct {
	better func(a, b *member) int
	why    func(a, b *member) string
}

// primaryCriteria choose the recommended primary, in order: an account that
// already holds linked identities (Auth0 cannot link it as a secondary), one
// not blocked (whoever signs in to a blocked one is kept out), a verified email,
// more logins, a more recent login, the older account, a database account over
// an enterprise or passwordless one over a social one, and finally the lower
// user id so that equal inputs always give the same answer.
var primaryCriteria = []criterion{
	{
		better: func(a, b *member) int { return cmp.Compare(boolRank(len(a.Linked) > 0), boolRank(len(b.Linked) > 0)) },
		why: func(a, b *member) string {
			return a.UserID + " already holds linked identities, so Auth0 cannot link it as a secondary"
		},
	},
	{
		better: func(a, b *member) int { return cmp.Compare(boolRank(b.Blocked), boolRank(a.Blocked)) },
		why: func(a, b *member) string {
			return "not blocked (" + b.UserID + " is blocked: it cannot sign in)"
		},
	},
	{
		better: func(a, b *member) int { return cmp.Compare(boolRank(a.verified), boolRank(b.verified)) },
		why: func(a, b *member) string {
			if b.Email == "" {
				return "verified email (" + b.UserID + " has no email)"
			}
			return "verified email (" + b.UserID + "'s is not)"
		},
	},
	{
		better: func(a, b *member) int { return cmp.Compare(a.LoginsCount, b.LoginsCount) },
		why: func(a, b *member) string {
			return "more logins (" + strconv.FormatInt(a.LoginsCount, 10) + " vs " + strconv.FormatInt(b.LoginsCount, 10) + ")"
		},
	},
	{
		better: func(a, b *member) int { return a.LastLogin.Compare(b.LastLogin) },
		why: func(a, b *member) string {
			return fmt.Sprintf("more recent login (%s vs %s)", LastLoginDay(a.LoginsCount, a.LastLogin), LastLoginDay(b.LoginsCount, b.LastLogin))
		},
	},
	{
		better: func(a, b *member) int { return -compareAge(a.Account, b.Account) },
		why: func(a, b *member) string {
			return fmt.Sprintf("older account (created %s vs %s)", day(a.CreatedAt), day(b.CreatedAt))
		},
	},
	{
		better: func(a, b *member) int { return cmp.Compare(kindRank(b.own), kindRank(a.own)) },
		why: func(a, b *member) string {
			return fmt.Sprintf("%s account over %s", kindName(a.own), kindName(b.own))
		},
	},
	{
		better: func(a, b *member) int { return cmp.Compare(b.UserID, a.UserID) },
		why:    func(a, b *member) string { return "equal on every count; the lower user id decides" },
	},
}

// kindRank orders connection kinds for the primary: database first, social last.
func kindRank(c *Connection) int {
	switch {
	case c.IsDatabase:
		return 0
	case c.IsSocial:
		return 2
	}
	return 1
}

func kindName(c *Connection) string {
	switch kindRank(c) {
	case 0:
		return "database"
	case 2:
		return "social"
	}
	return "enterprise or passwordless"
}

// comparePrimary returns > 0 when a is the better primary, and the index of
// the criterion that decided.
func comparePrimary(a, b *member) (int, int) {
	for i, c := range primaryCriteria {
		if v := c.better(a, b); v != 0 {
			return v, i
		}
	}
	return 0, len(primaryCriteria)
}

func recommend(ms []*member) *member {
	best := ms[0]
	for _, m := range ms[1:] {
		if v, _ := comparePrimary(m, best); v > 0 {
			best = m
		}
	}
	return best
}

// primaryReasons say what the primary has ("auth0|abc: verified email, 41
// logins (most), created 2021-03-02 (oldest)") and, for every other account,
// the first criterion that put the primary ahead of it.
func primaryReasons(p *member, ms []*member) []string {
	mostLogins, recent, oldest := true, true, true
	for _, m := range ms {
		if m == p {
			continue
		}
		mostLogins = mostLogins && p.LoginsCount > m.LoginsCount
		recent = recent && p.LastLogin.After(m.LastLogin)
		oldest = oldest && compareAge(p.Account, m.Account) < 0
	}
	// One buffer for the first line: a large scan writes it for every group.
	b := append(make([]byte, 0, 160), p.UserID...)
	b = append(b, ": "...)
	if p.Blocked {
		b = append(b, "blocked, "...)
	}
	if p.verified {
		b = append(b, "verified email, "...)
	} else {
		b = append(b, "email not verified, "...)
	}
	b = appendMark(appendLogins(b, p.LoginsCount), mostLogins, "most")
	if !p.LastLogin.IsZero() {
		b = appendMark(AppendDate(append(b, ", last login "...), p.LastLogin), recent, "most recent")
	}
	if !p.CreatedAt.IsZero() {
		b = appendMark(AppendDate(append(b, ", created "...), p.CreatedAt), oldest, "oldest")
	}
	b = append(append(append(b, ", "...), kindName(p.own)...), " connection"...)
	out := make([]string, 1, len(ms))
	out[0] = string(b)
	for _, m := range ms {
		if m == p {
			continue
		}
		why := "the same account listed twice"
		if _, i := comparePrimary(p, m); i < len(primaryCriteria) {
			why = primaryCriteria[i].why(p, m)
		}
		out = append(out, "chosen over "+m.UserID+": "+why)
	}
	return out
}

// Logins writes "1 login", "41 logins".
func Logins(n int64) string { return string(appendLogins(nil, n)) }

func appendLogins(b []byte, n int64) []byte {
	if n == 1 {
		return append(b, "1 login"...)
	}
	return append(strconv.AppendInt(b, n, 10), " logins"...)
}

// LoginHistory is what an account's profile says of its use, which no
// backup can give back to an account made again (Auth0 sets them on the
// create and at each login): "3 logins, the last 2026-10-25, created
// 2026-09-02", "no login, created 2026-09-02".
func LoginHistory(u client.User) string {
	text := "no login"
	if u.LoginsCount > 0 || !u.LastLogin.IsZero() {
		text = Logins(u.LoginsCount) + ", the last " + LastLoginDay(u.LoginsCount, u.LastLogin)
	}
	if !u.CreatedAt.IsZero() {
		text += ", created " + day(u.CreatedAt)
	}
	return text
}

// appendMark appends " (what)" where ok.
func appendMark(b []byte, ok bool, what string) []byte {
	if ok {
		b = append(append(append(b, " ("...), what...), ')')
	}
	return b
}

// day writes a date for reasons; "unknown" for a zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return string(AppendDate(make([]byte, 0, 10), t))
}

// LastLoginDay writes an account's last login: its date; "never" when it
// has no logins either; "unknown" when it has logins but no date of the
// last (an import, a fixture).
func LastLoginDay(logins int64, t time.Time) string {
	return string(AppendLastLogin(make([]byte, 0, 10), logins, t))
}

// AppendLastLogin appends what LastLoginDay writes.
func AppendLastLogin(b []byte, logins int64, t time.Time) []byte {
	switch {
	case !t.IsZero():
		return AppendDate(b, t)
	case logins == 0:
		return append(b, "never"...)
	}
	return append(b, "unknown"...)
}
