package session

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// Deletion is linkdesk's deletion of an account, as this tenant's audit
// logs hold it, pointed to where a query finds no account: the account
// deleted, or an identity linked into it, which went with it.
type Deletion struct {
	Call // the deletion, done; UserIDs[0] is the account deleted
	// Named is the user id the query named (by itself, or by the id
	// without its provider, a username, a phone number or an email): the
	// account deleted, or an identity that was linked into it.
	Named string
	// MadeAgain, of an identity (Named is not the account deleted), is the
	// call that made the account deleted again since (its undo's create),
	// which brought the identity back neither as an account nor linked:
	// the deletion is undone but for it.
	MadeAgain *Call
	// WaitsForLogin: the identity is no database one, which only Auth0
	// makes again, at the person's next login with it (the undo of a
	// deletion makes a database identity again itself and links it back);
	// once it has logged in, the deletion's undo links it back.
	WaitsForLogin bool
}

// Deleted is the account the deletion deleted.
func (d *Deletion) Deleted() string { return d.UserIDs[0] }

// DeletionsOf are the last deletions done that this tenant's audit logs
// (the session's, and those its plans recorded in) hold of the accounts
// query names, newest first, one an account: by user id (or an identity's
// id without its provider), username or phone number as Call.UserNamed
// takes them, or by email (the account deleted held it, or the one identity
// linked into it did); an identity names the account it was linked into,
// which took it along. An account linkdesk made again since has none (the
// undo of the deletion made the account again; of an identity, made it
// again or linked it back). The local logs alone are read: the tenant has
// said no account matches.
func (s *Session) DeletionsOf(query string) []*Deletion {
	q := strings.TrimSpace(query)
	calls := Calls(s.tenantRecords()) // newest first
	var out []*Deletion
	seen := map[string]bool{} // the accounts deleted whose last deletion was looked at
	for i, c := range calls {
		if c.Action != linking.ActionDelete || c.Result != audit.ResultOK || len(c.UserIDs) == 0 || seen[c.UserIDs[0]] {
			continue
		}
		named := c.UserNamed(q)
		if named == "" && isEmailLike(q) {
			named = c.heldEmail(q)
		}
		if named == "" {
			continue
		}
		seen[c.UserIDs[0]] = true
		d := &Deletion{Call: c, Named: named}
		since := calls[:i]
		if madeAgain(since, named) != nil || d.Named != d.Deleted() && linkedBack(since, named) {
			continue // back: the tenant no longer holding it says nothing of this deletion
		}
		if d.Named != d.Deleted() {
			if d.MadeAgain = madeAgain(since, d.Deleted()); d.MadeAgain != nil {
				provider, _, _ := strings.Cut(d.Named, "|")
				d.WaitsForLogin = provider != client.StrategyAuth0
			}
		}
		out = append(out, d)
	}
	return out
}

// heldEmail is the account of the deletion c that held email (in any
// case), as its records tell: the account deleted (its state before the
// call), else the identity linked into it that did, when it took only one
// (the records keep the identities' emails, not whose each is); "" for
// none.
func (c Call) heldEmail(email string) string {
	deleted := c.UserIDs[0]
	for _, r := range c.Records {
		var states []struct {
			UserID string `json:"user_id"`
			Email  string `json:"email"`
		}
		if json.Unmarshal(r.Before, &states) != nil {
			continue
		}
		for _, st := range states {
			if st.UserID == deleted && strings.EqualFold(strings.TrimSpace(st.Email), email) {
				return deleted
			}
		}
	}
	if len(c.UserIDs) == 2 && slices.ContainsFunc(c.Records, func(r audit.Record) bool {
		return slices.ContainsFunc(r.Emails, func(e string) bool { return strings.EqualFold(strings.TrimSpace(e), email) })
	}) {
		return c.UserIDs[1]
	}
	return ""
}

// madeAgain is the first call of calls (newest first) done that made the
// account id again, nil if none did.
func madeAgain(calls []Call, id string) *Call {
	for i := len(calls) - 1; i >= 0; i-- {
		if c := &calls[i]; c.Action == linking.ActionCreateUser && c.Result == audit.ResultOK && slices.Contains(c.UserIDs, id) {
			return c
		}
	}
	return nil
}

// linkedBack reports whether a call of calls done linked the identity id
// into an account (the undo of a deletion links back what it took).
func linkedBack(calls []Call, id string) bool {
	return slices.ContainsFunc(calls, func(c Call) bool {
		return c.Action == linking.ActionLink && c.Result == audit.ResultOK && slices.Contains(c.UserIDs, id)
	})
}
