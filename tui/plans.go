package tui

import (
	"context"
	"errors"
	"slices"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
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

// undoShown carries out the undo plan shown, every operation with the
// operator's reason (sealed again: the reason is part of the record). A
// plan with conflicts (its operations override undo_conflict) needs force.
func undoShown(ctx context.Context, b *Backend, shown *linking.Plan, reason string, force bool) (*linking.Result, error) {
	if shown == nil || len(shown.Operations) == 0 {
		return nil, errors.New("nothing to undo now")
	}
	if !force && slices.ContainsFunc(shown.Operations, func(op linking.Operation) bool {
		return slices.Contains(op.Overrides, linking.CheckUndoConflict)
	}) {
		return nil, &linking.SafetyError{Check: linking.CheckUndoConflict,
			Reason: "the undo would overwrite what was changed since the operation; nothing was changed: force it to restore the values from before the operation all the same"}
	}
	ops := slices.Clone(shown.Operations)
	for i := range ops {
		ops[i].Reason = reason
	}
	p := b.Session.NewPlan(ops...)
	p.Notes = shown.Notes
	p.Seal()
	return b.apply(ctx, p)
}
