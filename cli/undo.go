package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

type undoOptions struct {
	cmdEnv

	OpID string
	writeFlags
}

func newUndoCmd(g *globalOptions, io *streams, runF func(*undoOptions) error) *cobra.Command {
	o := &undoOptions{cmdEnv: cmdEnv{g: g, io: io}}
	cmd := &cobra.Command{
		Use:   "undo OP_ID",
		Short: "Undo a recorded link, unlink or deletion from its backups",
		Long: `Undo the operation one of whose audit records has the op_id OP_ID
(` + "`linkdesk audit`" + ` lists them; any record of the operation will do).

  a link      unlinks; gives the secondary back its user_metadata and
              app_metadata as they were before the link, its block, its roles
              and organization memberships; takes from the primary the keys the
              merge added and puts back the values it replaced, and takes the
              roles and memberships carried over
  an unlink   links the account again
  a deletion  re-creates a database or passwordless account from its backup
              (same user_id, email and its verification, username, phone,
              metadata, roles, memberships), sends a password-change ticket
              (a password cannot be restored) and links back the identities
              that were linked into it; a social or enterprise account comes
              back at its next login: the undo says what is kept until then,
              and run again once the account is back it gives it all back

The undo is a plan like any write: a dry run without --force, a question on a
terminal, the checks of every step, backups, audit records naming the
operation undone, a journal. Whatever was changed since the operation (a
metadata key set again, an identity unlinked by hand) is a conflict: the undo
is refused (exit 3) unless --force, which restores the values from before the
operation all the same.`,
		Example: `  linkdesk audit
  linkdesk undo 20261101T120000Z-3f9a1c0e5b7d2a41
  linkdesk undo 20261101T120000Z-3f9a1c0e5b7d2a41 --reason "ticket #4411: linked the wrong account" --force`,
		Args: exactArgs(1),
		RunE: runArgs(o, &o.cmdEnv, runF, runUndo, &o.OpID),
	}
	addWriteFlags(cmd, &o.writeFlags, true)
	return cmd
}

func runUndo(o *undoOptions) error {
	return o.withWriteSession(func(s *session.Session) error {
		p, conflicts, err := s.UndoPlan(o.ctx, o.OpID, o.Reason)
		if err != nil {
			return commandError(err)
		}
		if o.JSON && !o.Force {
			return writeJSON(o.io.Out, undoJSON{DryRun: true, Plan: p.ID, Operations: p.Operations, Conflicts: conflicts, Notes: p.Notes})
		}
		if !o.JSON {
			if err := showOperations(o.io, o.writeFlags, p); err != nil {
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
			// --force would change nothing either: no advice to use it.
			if len(p.Notes) == 0 && len(conflicts) == 0 {
				fmt.Fprintln(o.io.Out, "\nNothing to undo now: the tenant is as it was before the operation.")
			} else {
				fmt.Fprintln(o.io.Out, "\nNothing can be undone now (see above); nothing was changed.")
			}
			return nil
		}
		if len(conflicts) > 0 && !o.Force {
			return commandError(&linking.SafetyError{Check: linking.CheckUndoConflict,
				Reason: "the undo would overwrite what was changed since the operation (listed above); nothing was changed: run it again with --force to restore the values from before the operation all the same"})
		}
		ok, err := confirm(o.io, o.writeFlags, confirmation{
			question: fmt.Sprintf("Make %s on %s to undo it?", theseCalls(p.Calls()), printableName(s.Name)), calls: p.Calls(),
		})
		if err != nil || !ok {
			return err
		}
		return runPlan(o.ctx, o.io, o.writeFlags, s, p, session.ApplyOptions{})
	})
}

// undoJSON is what undo --json prints when nothing is carried out.
type undoJSON struct {
	DryRun     bool                   `json:"dry_run"`
	Plan       string                 `json:"plan_id,omitempty"`
	Operations []linking.Operation    `json:"operations"`
	Conflicts  []linking.UndoConflict `json:"conflicts,omitempty"`
	Notes      []string               `json:"notes,omitempty"`
}
