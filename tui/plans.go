package tui

import (
	"errors"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// planTicket is linking's ticket operation with the dialog's options.
func planTicket(u client.User, opts TicketOptions, reason string) (linking.Operation, error) {
	if opts != (TicketOptions{}) {
		return linking.Operation{}, errors.New("ticket options are not supported by this build's plans yet")
	}
	return linking.PlanTicket(u, reason), nil
}

// planVerifyEmail is linking's verification-email operation.
func planVerifyEmail(u client.User, reason string) (linking.Operation, error) {
	return linking.Operation{}, errors.New("sending a verification email is not supported by this build's plans yet")
}

// undoOperation reverses a recorded operation through the session.
func undoOperation(b *Backend, opID, reason string) (any, error) {
	return nil, errors.New("undo is not supported by this build's session yet")
}
