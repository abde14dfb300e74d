package views

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// askVerify asks before sending an unverified account its verification
// email again (a verification-email job), with a reason for the audit log.
func askVerify(c *tui.Common, userID string, verified bool, email string) tea.Cmd {
	// Named as everywhere: a family shares the email, and one member's may be
	// verified while another's is not.
	name, short := userID, userID
	a, g := c.Data.Account(userID)
	if a != nil {
		name, short = tui.NameIn(g, a), tui.ShortNameIn(g, a)
	}
	switch {
	case email == "":
		return tui.ReportError(fmt.Errorf("%s has no email to verify", tui.Fit(name, 60)))
	case verified:
		return tui.Tell("The email of " + tui.Fit(name, 60) + " is verified already: no email to send.")
	}
	st, w := c.Styles, tui.DialogWidth(c)
	body := []string{st.Header.Render("To      ") + tui.Fit(email, w-8)}
	// Whoever reads a shared inbox follows the link: said as the ticket
	// dialog says it of its link.
	body = append(body, sharedInbox(c, email, "verifies this account", st.Header.Render("        "), w-1)...)
	body = append(body, hanging(st.Header.Render("Account "), tui.Fit(name, 2*w), w, 2, nil)...) // its user id whole
	body = append(body, "")
	after := "Once the person follows its link, the email counts as verified and the group can be linked without overriding the check."
	if g != nil && (g.Class == linking.ClassSharedByDesign || g.Class == linking.ClassLegacyDuplicate) {
		after = "Once the person follows its link, the email counts as verified for this account."
	}
	body = append(body, tui.Wrap("Auth0 sends its verification email (a verification-email job). "+after, w, 4)...)
	b := c.Backend
	run := func(reason string) tea.Cmd {
		return c.Write(tui.WriteRequest{Task: tui.NewTask(), Label: "verification email for " + tui.Fit(name, labelName), Short: "verification email for " + tui.Fit(short, labelName), Emails: []string{linking.NormalizeEmail(email)},
			Unknowable: verifyCutOff, Run: func(ctx context.Context) (any, error) { return b.VerifyEmail(ctx, userID, reason) }})
	}
	// A write of the account cut off or running would refuse the send: said
	// as the dialog opens, in place of its question.
	return c.Open(tui.NewConfirmReason(c, "Send the verification email", body, "Send it?", false,
		"verification email asked for by the account holder", run).CheckAhead(userID))
}

// verifyCutOff is what quitting leaves of a verification email whose call
// is out: no read of the tenant shows whether a job sent it.
const verifyCutOff = "a verification email already asked for may or may not have been sent, and the tenant keeps nothing that tells: ask the person whether it came; `linkdesk resume` sends it again (or with --discard leaves it)"
