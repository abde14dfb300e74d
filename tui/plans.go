package tui

import (
	"context"
	"errors"
	"slices"

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

// undoShown carries out the undo plan shown, every operation with the
// operator's reason (sealed again: the reason is part of the record).
func undoShown(ctx context.Context, b *Backend, shown *linking.Plan, reason string) (*linking.Result, error) {
	if shown == nil || len(shown.Operations) == 0 {
		return nil, errors.New("nothing to undo now")
	}
	ops := slices.Clone(shown.Operations)
	for i := range ops {
		ops[i].Reason = reason
	}
	p := b.Session.NewPlan(ops...)
	p.Notes = shown.Notes
	p.Seal()
	return b.Session.Apply(ctx, p, session.ApplyOptions{})
}
