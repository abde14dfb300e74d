package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

type undoOptions struct {
	cmdEnv

	OpID string
	writeFlags
	// Overwrite restores the values from before the operation over what
	// was changed since (conflicts); --force only skips the question.
	Overwrite bool
}

func newUndoCmd(g *globalOptions, io *streams, runF func(*undoOptions) error) *cobra.Command {
	o := &undoOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "undo OP_ID",
		Short: "Undo a recorded link, unlink or deletion from its backups",
		Long: `Undo the operation one of whose audit records has the op_id OP_ID
(` + "`linkdesk audit`" + ` lists them; any record of the operation will do).

  a link      unlinks; gives the secondary back its user_metadata and
              app_metadata as they were before the link (a secondary already
              on its own again keeps the keys it gained since, and a key
              changed since is a conflict), its block, its roles and
              organization memberships; takes from the primary the keys the
              merge added and puts back the values it replaced, and takes the
              roles and memberships carried over
  an unlink   links the account again
  a deletion  re-creates a database or passwordless account from its backup
              (same user_id, email and its verification, username, phone,
              metadata, roles, memberships), as a new account: created now,
              with no login count or last login; makes a password-change ticket
              (a password cannot be restored) and links back the identities
              that were linked into it: a database one is made again, with a
              ticket of its own made before its link (linked, it keeps its
              own password, and Auth0 makes no ticket for it); a social or
              enterprise account comes back at its next login: the undo says
              what is kept until then, and run again once the account is
              back it gives it all back

The undo is a plan like any write: a dry run without --force, a question on a
terminal, the checks of every step, backups, audit records naming the
operation undone, a journal. --force makes the calls without asking, as for
every write, and nothing more. Whatever was changed since the operation (a
metadata key set again, an identity unlinked by hand) is a conflict: the undo
is refused (exit 3) unless --overwrite, which restores the values from before
the operation over those changes (on a terminal it asks first, unless
--force); when what was changed since stands in the way of everything the
undo would do, the undo is refused (exit 3), --overwrite or not. An operation
cut off during a call (outcome unknown) is refused (exit 3) until
` + "`linkdesk resume`" + ` settles it.
What is not an op id is a usage error (exit 2), and so is an op id that no audit
record of the tenant holds.`,
		Example: `  linkdesk audit
  linkdesk undo 20261101T120000Z-3f9a1c0e5b7d2a41
  linkdesk undo 20261101T120000Z-3f9a1c0e5b7d2a41 --reason "ticket #4411: linked the wrong account" --force
  linkdesk undo 20261101T120000Z-3f9a1c0e5b7d2a41 --overwrite --force`,
		Args: exactArgs(1),
		RunE: runArgs(o, &o.cmdEnv, runF, runUndo, &o.OpID),
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "restore the values from before the operation over what was changed since (conflicts)")
	return cmd
}

func runUndo(o *undoOptions) error {
	// Not an op id at all is a usage error (exit 2), before any tenant is
	// opened; so is an op id of the right form that no audit record of the
	// tenant holds (session.UsageError): it names nothing to undo, mistyped
	// or of another state directory, and the message says where op ids are
	// found. An audit log that cannot be read is a failure (exit 1). The
	// audit logs are read before the tenant is opened: an op id none of
	// them holds is refused without a connection (it waited on one, and
	// failed with the tenant's error when the tenant could not be reached).
	if !audit.IsOpID(o.OpID) {
		return usageErrorf("%s is not an op id: an op id looks like 20261101T120000Z-3f9a1c0e5b7d2a41 (`linkdesk audit` lists them)", printableName(o.OpID))
	}
	if err := o.g.paths().CheckOpID(o.OpID); err != nil {
		return commandError(err)
	}
	return o.withWriteSession(func(s *session.Session) error {
		p, conflicts, err := s.UndoPlan(o.ctx, o.OpID, o.Reason)
		if errors.Is(err, linking.ErrNothingToUndo) {
			// Done, not failed: the tenant is as before the operation, as
			// when an undo finds nothing left to make.
			return nothingMadeToUndo(o, err)
		}
		if err != nil {
			return commandError(err)
		}
		if len(conflicts) > 0 && !o.Overwrite {
			// Nothing is made over a conflict without --overwrite: the
			// plan shown names no override it will not make.
			for i := range p.Operations {
				p.Operations[i].Overrides = slices.DeleteFunc(p.Operations[i].Overrides, func(c string) bool { return c == linking.CheckUndoConflict })
			}
		}
		refusedJSON := o.JSON && o.Force && len(conflicts) > 0 && (!o.Overwrite || len(p.Operations) == 0)
		nothing := len(p.Operations) == 0                   // nothing to make now: --force makes nothing either
		if o.JSON && (!o.Force || refusedJSON || nothing) { // a refusal prints what it refused
			// A dry run only without --force: a refusal, or nothing left to
			// make, with --force is no dry run (a script reads dry_run as
			// "run it again with --force").
			out := undoJSON{DryRun: !o.Force, Plan: p.ID, Operations: p.Operations, Conflicts: conflicts, Notes: p.Notes}
			if nothing && len(conflicts) == 0 && len(p.Notes) == 0 {
				out.Message = nothingToUndo
			}
			switch {
			case len(conflicts) > 0 && (!o.Overwrite || nothing):
				out.Refused = linking.CheckUndoConflict
			case nothing && len(p.Notes) > 0:
				out.Refused = linking.CheckNotUndoableNow
			}
			if out.Operations == nil {
				out.Operations = []linking.Operation{}
			}
			if err := writeJSON(o.io.Out, out); err != nil {
				return err
			}
			for _, n := range p.Notes { // prose on stderr, as the message refers to them
				fmt.Fprintf(o.io.ErrOut, "note: %s\n", terminalText(n))
			}
			switch out.Refused {
			case linking.CheckUndoConflict:
				return undoRefused(nothing)
			case linking.CheckNotUndoableNow:
				// Refused as the text dry run is (tester: exit 0 with
				// empty operations read as nothing left to undo).
				return notUndoableNow()
			}
			if out.Message != "" {
				fmt.Fprintln(o.io.ErrOut, out.Message)
			}
			return nil
		}
		if !o.JSON {
			if err := showOperations(o.io, o.writeFlags, p, nil); err != nil {
				return err
			}
			for _, n := range p.Notes {
				fmt.Fprintf(o.io.Out, "\nnote: %s\n", terminalText(n))
			}
		}
		if len(conflicts) > 0 {
			fmt.Fprintf(o.io.ErrOut, "\nChanged since the operation (%d):\n", len(conflicts))
			for _, c := range conflicts {
				fmt.Fprintf(o.io.ErrOut, "  %s\n", terminalText(c.String()))
			}
		}
		if len(p.Operations) == 0 {
			// --overwrite would change nothing either: no advice to use it.
			switch {
			case len(conflicts) > 0:
				// What was changed since stands in the way of all of it:
				// refused, not done.
				return undoRefused(true)
			case len(p.Notes) == 0:
				fmt.Fprintln(o.io.Out, "\n"+nothingToUndo)
			default:
				// Refused, not done: a script must not take it for an undo made.
				return notUndoableNow()
			}
			return nil
		}
		question := fmt.Sprintf("Make %s on %s to undo it?", theseCalls(p.Calls()), printableName(s.Name))
		if len(conflicts) > 0 {
			// What was changed since is overwritten only when asked for by
			// name: --force skips the question, nothing more.
			if !o.Overwrite {
				return undoRefused(false)
			}
			question = fmt.Sprintf("Make %s on %s to undo it, overwriting what was changed since (listed above)?", theseCalls(p.Calls()), printableName(s.Name))
		}
		note, err := undoFamilyNote(o.ctx, s, p)
		if err != nil {
			return commandError(err)
		}
		ok, err := confirm(o.ctx, o.io, o.writeFlags, ahead(confirmation{question: question, calls: p.Calls(), note: note}, s, p))
		if err != nil || !ok {
			return err
		}
		return runPlan(o.ctx, o.io, o.writeFlags, s, p, session.ApplyOptions{})
	})
}

// nothingMadeToUndo says that the operation to undo made no call that took
// effect (err, linking.ErrNothingToUndo): exit 0, with --json one value.
func nothingMadeToUndo(o *undoOptions, err error) error {
	msg := terminalText(err.Error())
	msg = strings.ToUpper(msg[:1]) + msg[1:] + "."
	if o.JSON {
		return writeJSON(o.io.Out, undoJSON{DryRun: !o.Force, Operations: []linking.Operation{}, Message: msg})
	}
	fmt.Fprintln(o.io.Out, msg)
	return nil
}

// nothingToUndo says an undo finds the tenant as before the operation.
const nothingToUndo = "Nothing to undo now: the tenant is as it was before the operation."

// notUndoableNow is the refusal (exit 3) of an undo that can make nothing
// until what its notes say comes first.
func notUndoableNow() error {
	return commandError(&linking.SafetyError{Check: linking.CheckNotUndoableNow,
		Reason: "nothing can be undone now: what its notes say must come first (then run it again); nothing was changed"})
}

// undoRefused is the refusal (exit 3) of an undo over what was changed
// since the operation: none of it can be undone (nothing), or not without
// --overwrite.
func undoRefused(nothing bool) error {
	reason := "the undo would overwrite what was changed since the operation (listed above); nothing was changed: run it again with --overwrite to restore the values from before the operation all the same"
	if nothing {
		reason = "nothing can be undone now: what was changed since the operation (listed above) stands in the way of all of it, --overwrite or not; nothing was changed"
	}
	return commandError(&linking.SafetyError{Check: linking.CheckUndoConflict, Reason: reason})
}

// undoJSON is what undo --json prints when nothing is carried out.
type undoJSON struct {
	// DryRun: --force was not given. With --force, nothing made (nothing
	// left to make, or refused) is no dry run: false.
	DryRun     bool                   `json:"dry_run"`
	Plan       string                 `json:"plan_id,omitempty"`
	Operations []linking.Operation    `json:"operations"`
	Conflicts  []linking.UndoConflict `json:"conflicts,omitempty"`
	Notes      []string               `json:"notes,omitempty"`
	Message    string                 `json:"message,omitempty"` // nothing to undo now
	// Refused is the check that refuses the undo (exit 3): undo_conflict,
	// or not_undoable_now (Notes say what must come first).
	Refused string `json:"refused,omitempty"`
}

// undoFamilyNote is what each link of the undo plan p says, as `linkdesk
// link` does (familyNote), of the others who share the email of a family
// member it links an account back into or out of: the undo of an unlink,
// or of a deletion that links the identities of the account made again
// back into it, joins the accounts again as the link did. An account the
// plan makes again first is read as the plan makes it.
func undoFamilyNote(ctx context.Context, s *session.Session, p *linking.Plan) (string, error) {
	var notes []string
	for _, op := range p.Operations {
		if op.Kind != linking.OpLink {
			continue
		}
		conns, err := s.Connections(ctx) // read once a session
		if err != nil {
			return "", err
		}
		var users []client.User
		for _, id := range []string{op.Primary, op.Secondary} {
			u, err := s.Users(ctx, id)
			if se, ok := linking.AsSafetyError(err); ok && se.Check == linking.CheckUserMissing {
				if made, ok := madeByPlan(p, id); ok {
					users = append(users, made)
				}
				continue
			}
			if err != nil {
				return "", err
			}
			users = append(users, u...)
		}
		if len(users) != 2 {
			continue
		}
		note, err := familyNote(ctx, s, conns, users)
		if err != nil {
			return "", err
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return strings.Join(notes, "\n"), nil
}

// madeByPlan is the user id as p makes it again (the create of a restore),
// before it is linked: false when p makes no such user.
func madeByPlan(p *linking.Plan, id string) (client.User, bool) {
	for _, op := range p.Operations {
		if op.Kind != linking.OpRestore || op.Target != id || op.Restore == nil || op.Restore.Create == nil {
			continue
		}
		nu := op.Restore.Create
		provider, sub, _ := strings.Cut(id, "|")
		u := client.User{UserID: id, Email: nu.Email, Username: nu.Username, PhoneNumber: nu.PhoneNumber, Name: nu.Name,
			Identities: []client.Identity{{Connection: nu.Connection, Provider: provider, UserID: sub}}}
		if nu.EmailVerified != nil {
			u.EmailVerified = *nu.EmailVerified
		}
		return u, true
	}
	return client.User{}, false
}
