package tui

import (
	"context"
	"errors"
	"strings"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

// planTicket is linking's ticket operation with the dialog's options.
func planTicket(u client.User, opts TicketOptions, reason string) (linking.Operation, error) {
	return linking.PlanTicket(u, client.TicketOptions{
		TTLSec: int(opts.TTL.Seconds()), ClientID: opts.ClientID, ResultURL: opts.ResultURL, MarkEmailVerified: opts.MarkEmailVerified,
	}, reason)
}

// planVerifyEmail is linking's verification-email operation.
func planVerifyEmail(u client.User, reason string) (linking.Operation, error) {
	return linking.PlanVerifyEmail(u, linking.VerifyOptions{}, reason)
}

// undoOperation reverses a recorded operation through the session: the
// session plans it from the backups; a change made since the operation is
// a conflict, overwritten only when the operator said so (force).
func undoOperation(ctx context.Context, b *Backend, opID, reason string, force bool) (*linking.Result, error) {
	p, conflicts, err := b.Session.UndoPlan(ctx, opID, reason)
	if err != nil {
		return nil, err
	}
	if len(conflicts) > 0 && !force {
		return nil, &linking.SafetyError{Check: linking.CheckUndoConflict,
			Reason: "the tenant changed since you looked: the undo would now overwrite what was changed since the operation; look again (U) before undoing"}
	}
	if len(p.Operations) == 0 {
		return nil, errors.New("nothing to undo now: " + strings.Join(p.Notes, "; "))
	}
	return b.Session.Apply(ctx, p, session.ApplyOptions{})
}
