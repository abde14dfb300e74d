package session

import (
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
	// Named is the user id the query named: the account deleted, or an
	// identity that was linked into it.
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

// DeletionOf is the last deletion done that this tenant's audit logs (the
// session's, and those its plans recorded in) hold of the account with user
// id id, or of the account it was linked into (which took it along): nil
// when there is none, or when linkdesk made it again since (the undo of the
// deletion made the account again; of an identity, made it again or linked
// it back). The local logs alone are read: the tenant has said the account
// is not there.
func (s *Session) DeletionOf(id string) *Deletion {
	calls := Calls(s.tenantRecords()) // newest first
	for i, c := range calls {
		if c.Action != linking.ActionDelete || c.Result != audit.ResultOK || len(c.UserIDs) == 0 || !slices.Contains(c.UserIDs, id) {
			continue
		}
		d := &Deletion{Call: c, Named: id}
		since := calls[:i]
		if madeAgain(since, id) != nil || d.Named != d.Deleted() && linkedBack(since, id) {
			return nil // back: the tenant no longer holding it says nothing of this deletion
		}
		if d.Named != d.Deleted() {
			if d.MadeAgain = madeAgain(since, d.Deleted()); d.MadeAgain != nil {
				provider, _, _ := strings.Cut(d.Named, "|")
				d.WaitsForLogin = provider != client.StrategyAuth0
			}
		}
		return d
	}
	return nil
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
