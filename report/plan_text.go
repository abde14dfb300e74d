package report

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

// WritePlanText writes the plan for a person: every operation with its
// reasons, merge preview and the exact calls it makes, then the groups left
// alone. Strings from the tenant are made printable; JSON bodies keep their
// meaning (a character a terminal would act on is written as a \u escape).
func WritePlanText(w io.Writer, p *linking.Plan) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Plan %s for %s, made %s", termsafe.Printable(p.ID), termsafe.Printable(p.Tenant), p.CreatedAt.Format("2006-01-02 15:04:05Z07:00"))
	if p.CreatedBy != "" {
		fmt.Fprintf(bw, " by %s", termsafe.Printable(p.CreatedBy))
	}
	fmt.Fprintf(bw, "\n%s, %s; %s not planned.\n", plural(len(p.Operations), "operation"), plural(p.Calls(), "call"), plural(len(p.NotPlanned), "group"))
	for _, n := range p.Notes {
		fmt.Fprintf(bw, "note: %s\n", termsafe.Printable(n))
	}
	for _, op := range p.Operations {
		bw.WriteString("\n")
		writeOperation(bw, op, nil)
	}
	writeNotPlanned(bw, p.NotPlanned)
	return bw.Flush()
}

// notActionableHint says, per class, what a person does with a group the
// plan leaves alone.
var notActionableHint = map[linking.Class]string{
	linking.ClassSharedByDesign:    "legitimate by design on a Non-Unique Emails connection: nothing to do",
	linking.ClassLegacyDuplicate:   "need migration, not linking (see the reasons in the plan file)",
	linking.ClassMixed:             "decide account by account, then `linkdesk link` or `linkdesk delete`",
	linking.ClassNeedsVerification: "have an unverified email: verify it, or plan with --allow-unverified",
}

// writeNotPlanned lists every group a safety check refused, and counts the
// groups with nothing to link by class; the plan file holds each one.
func writeNotPlanned(w *bufio.Writer, nps []linking.NotPlanned) {
	if len(nps) == 0 {
		return
	}
	var refused []linking.NotPlanned
	byClass := map[linking.Class]int{}
	for _, np := range nps {
		if np.Why == linking.WhyRefused {
			refused = append(refused, np)
		} else {
			byClass[np.Class]++
		}
	}
	if len(refused) > 0 {
		const shown = 20
		fmt.Fprintf(w, "\nRefused by a safety check (%d; the plan file has each one's reasons):\n", len(refused))
		for i, np := range refused {
			if i == shown {
				fmt.Fprintf(w, "  … and %d more\n", len(refused)-shown)
				break
			}
			fmt.Fprintf(w, "  %-40s %s (%s)\n", termsafe.Printable(np.Group), np.Check, np.Class)
		}
		if byClass[linking.ClassNeedsVerification] == 0 && refused[0].Check == "unverified_email" {
			fmt.Fprintf(w, "  unverified emails: %s\n", notActionableHint[linking.ClassNeedsVerification])
		}
	}
	if len(byClass) > 0 {
		w.WriteString("\nNot planned, nothing to link (each group is listed with its reasons in the plan file):\n")
		for _, c := range linking.Classes {
			if n := byClass[c]; n > 0 {
				fmt.Fprintf(w, "  %-19s %5d  %s\n", c, n, notActionableHint[c])
			}
		}
	}
}

// WriteOperations writes operations as WritePlanText does, without the plan
// around them: the dry run of a single link, unlink or delete.
func WriteOperations(w io.Writer, ops []linking.Operation) error {
	return WriteOperationsLeft(w, ops, nil)
}

// WriteOperationsLeft is WriteOperations for a plan an earlier run began:
// the calls of the steps done says are done are marked as made already.
func WriteOperationsLeft(w io.Writer, ops []linking.Operation, done func(step string) bool) error {
	bw := bufio.NewWriter(w)
	for i, op := range ops {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeOperation(bw, op, done)
	}
	return bw.Flush()
}

func writeOperation(w *bufio.Writer, op linking.Operation, done func(step string) bool) {
	fmt.Fprintf(w, "%s  %s\n", op.ID, termsafe.Printable(OperationTitle(op)))
	for _, r := range op.Reasons {
		fmt.Fprintf(w, "     why: %s\n", termsafe.Printable(r))
	}
	if op.Reason != "" {
		fmt.Fprintf(w, "     reason given: %s\n", termsafe.Printable(op.Reason))
	}
	for _, o := range op.Overrides {
		fmt.Fprintf(w, "     OVERRIDES: safety check %s (when carried out, made despite it)\n", o)
	}
	if u := op.Undoes; u != nil {
		fmt.Fprintf(w, "     undoes: %s %s of plan %s\n", u.Op, u.Kind, termsafe.Printable(u.PlanID))
	}
	for _, r := range op.Roles {
		fmt.Fprintf(w, "     carried over: role %s (%s), given to the primary before the link ends the secondary's\n", termsafe.Printable(r.Name), termsafe.Printable(r.ID))
	}
	for _, o := range op.Organizations {
		fmt.Fprintf(w, "     carried over: membership of organization %s (%s)\n", termsafe.Printable(o.Label()), termsafe.Printable(o.ID))
	}
	if r := op.Restore; r != nil {
		writeRestore(w, r)
	}
	if m := op.Merge; m != nil {
		switch len(m.Conflicts) {
		case 0:
			w.WriteString("     metadata: merged into the primary, no conflicts\n")
		default:
			fmt.Fprintf(w, "     metadata: merged into the primary, %s:\n", plural(len(m.Conflicts), "conflict"))
			for _, c := range m.Conflicts {
				keep, drop := c.Primary, c.Secondary
				if c.Kept == linking.SideSecondary {
					keep, drop = drop, keep
				}
				fmt.Fprintf(w, "       %s: keep %s (%s), drop %s\n", termsafe.Printable(c.Key()), termsafe.DisplayJSON(linking.MustJSON(keep)), c.Kept, termsafe.DisplayJSON(linking.MustJSON(drop)))
			}
		}
	}
	if m := op.Merge; m != nil {
		for _, f := range []struct {
			name string
			v    map[string]any
		}{{linking.FieldUserMetadata, m.UserMetadata}, {linking.FieldAppMetadata, m.AppMetadata}} {
			if f.v != nil {
				fmt.Fprintf(w, "       the primary's %s becomes %s\n", f.name, termsafe.DisplayJSON(linking.MustJSON(f.v)))
			}
		}
	}
	for _, c := range op.Cascade {
		fmt.Fprintf(w, "     cascade: deletes linked identity %s on %s\n", termsafe.Printable(op.Named(c.String())), termsafe.Printable(c.Connection))
	}
	for _, n := range op.Notes {
		fmt.Fprintf(w, "     note: %s\n", termsafe.Printable(n))
	}
	w.WriteString("     calls:\n")
	for _, s := range op.Steps {
		if done != nil && done(s.ID) {
			fmt.Fprintf(w, "       made already: %s\n", CallText(s.Call))
			continue
		}
		fmt.Fprintf(w, "       %s\n", CallText(s.Call))
	}
}

func writeRestore(w *bufio.Writer, r *linking.Restore) {
	if c := r.Create; c != nil {
		fmt.Fprintf(w, "     re-create on %s: %s (a random password no one knows; a password-change ticket follows where the connection has passwords)\n",
			termsafe.Printable(c.Connection), termsafe.DisplayJSON(linking.MustJSON(c)))
	}
	for _, f := range []struct {
		name string
		v    map[string]any
	}{{linking.FieldUserMetadata, r.UserMetadata}, {linking.FieldAppMetadata, r.AppMetadata}} {
		for _, k := range slices.Sorted(maps.Keys(f.v)) {
			if f.v[k] == nil {
				fmt.Fprintf(w, "     %s.%s: remove\n", f.name, termsafe.Printable(k))
			} else {
				fmt.Fprintf(w, "     %s.%s: set to %s\n", f.name, termsafe.Printable(k), termsafe.DisplayJSON(linking.MustJSON(f.v[k])))
			}
		}
	}
	if b := r.Blocked; b != nil && *b {
		fmt.Fprintf(w, "     block its logins (blocked: true)\n")
	} else if b != nil {
		fmt.Fprintf(w, "     let its logins in (blocked: false)\n")
	}
	for _, x := range r.AddRoles {
		fmt.Fprintf(w, "     give role %s (%s)\n", termsafe.Printable(x.Name), termsafe.Printable(x.ID))
	}
	for _, x := range r.RemoveRoles {
		fmt.Fprintf(w, "     take role %s (%s)\n", termsafe.Printable(x.Name), termsafe.Printable(x.ID))
	}
	for _, x := range r.AddOrganizations {
		fmt.Fprintf(w, "     add to organization %s (%s)\n", termsafe.Printable(x.Label()), termsafe.Printable(x.ID))
	}
	for _, x := range r.RemoveOrganizations {
		fmt.Fprintf(w, "     remove from organization %s (%s)\n", termsafe.Printable(x.Label()), termsafe.Printable(x.ID))
	}
}

// OperationTitle says what an operation does in one line.
func OperationTitle(op linking.Operation) string {
	var s string
	switch op.Kind {
	case linking.OpLink:
		s = fmt.Sprintf("link %s into %s", op.Named(op.Secondary), op.Named(op.Primary))
	case linking.OpUnlink:
		s = fmt.Sprintf("unlink %s from %s", op.Named(op.Secondary), op.Named(op.Primary))
	case linking.OpDelete:
		s = "delete " + op.Named(op.Target)
	case linking.OpTicket:
		s = "password-change ticket for " + op.Named(op.Target)
	case linking.OpVerifyEmail:
		s = "verification email for " + op.Named(op.Target)
	case linking.OpRestore:
		s = "restore " + op.Named(op.Target)
	default:
		s = string(op.Kind)
	}
	if op.Group != "" {
		s += "  (" + op.Group + ")"
	}
	return s
}

// CallText is a call as a dry run prints it: method, path and body, safe
// on a terminal.
func CallText(c linking.Call) string {
	s := c.Method + " " + termsafe.Printable(c.Path)
	if len(c.Body) > 0 {
		s += " " + termsafe.DisplayJSON(c.Body)
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// summaryOps is how many operations a plan summary names before it counts
// the rest.
const summaryOps = 8

// minTitle is the fewest runes of an operation's title a summary cut to a
// narrow terminal keeps.
const minTitle = 20

// cutRunes cuts s to n runes, its last one "…" when it was cut.
func cutRunes(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n { // fewer bytes than n: fewer runes too
		return s
	}
	i, runes := 0, 0
	for runes < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		runes++
	}
	return s[:i] + "…"
}

// WritePlanSummary writes the plan for a person in under 30 lines however
// large it is: its counts by kind, the first operations, what was refused
// and what was left alone by class. WritePlanText writes every operation
// and call (--verbose); the plan file holds them all. An operation's line
// is cut to width columns when width > 0 (a terminal's), its count of
// calls kept; with width 0 (a file or a pipe) nothing is cut, as in
// WriteTable.
func WritePlanSummary(w io.Writer, p *linking.Plan, width int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Plan %s for %s, made %s", p.ID, termsafe.Printable(p.Tenant), p.CreatedAt.Format("2006-01-02 15:04:05Z07:00"))
	if p.CreatedBy != "" {
		fmt.Fprintf(bw, " by %s", termsafe.Printable(p.CreatedBy))
	}
	fmt.Fprintf(bw, "\n%s, %s; %s not planned.\n", plural(len(p.Operations), "operation"), plural(p.Calls(), "call"), plural(len(p.NotPlanned), "group"))
	kinds := map[linking.OpKind]int{}
	actions := map[string]int{}
	var order []linking.OpKind
	for _, op := range p.Operations {
		if kinds[op.Kind] == 0 {
			order = append(order, op.Kind)
		}
		kinds[op.Kind]++
		for _, s := range op.Steps {
			actions[s.Action]++
		}
	}
	for _, k := range order {
		fmt.Fprintf(bw, "  %-8s %5d\n", k, kinds[k])
	}
	if n := actions[linking.ActionPatchMetadata]; n > 0 {
		if n == 1 {
			bw.WriteString("  1 of the calls merges a secondary's metadata into its primary first\n")
		} else {
			fmt.Fprintf(bw, "  %d of the calls merge a secondary's metadata into its primary first\n", n)
		}
	}
	if len(p.Operations) > 0 {
		bw.WriteString("\n")
		writeOperationLines(bw, p.Operations, nil, width)
	}
	var refused []linking.NotPlanned
	byClass := map[linking.Class]int{}
	for _, np := range p.NotPlanned {
		if np.Why == linking.WhyRefused {
			refused = append(refused, np)
		} else {
			byClass[np.Class]++
		}
	}
	if len(refused) > 0 {
		checks := map[string]int{}
		var names []string
		for _, np := range refused {
			if checks[np.Check] == 0 {
				names = append(names, np.Check)
			}
			checks[np.Check]++
		}
		fmt.Fprintf(bw, "\nRefused by a safety check: %s", plural(len(refused), "group"))
		for i, c := range names {
			sep := ", "
			if i == 0 {
				sep = " ("
			}
			fmt.Fprintf(bw, "%s%s %d", sep, c, checks[c])
		}
		bw.WriteString(")\n")
	}
	if len(byClass) > 0 {
		bw.WriteString("Not planned, nothing to link:")
		first := true
		for _, c := range linking.Classes {
			if n := byClass[c]; n > 0 {
				if !first {
					bw.WriteString(",")
				}
				first = false
				fmt.Fprintf(bw, " %s %d", c, n)
			}
		}
		bw.WriteString("\n")
	}
	bw.WriteString("\n--verbose lists every operation, its reasons and its exact calls; the plan file holds them all.\n")
	return bw.Flush()
}

// writeOperationLines names the first summaryOps of ops, one line each with
// its count of calls (those left, when done says some are made), and counts
// the rest.
func writeOperationLines(bw *bufio.Writer, ops []linking.Operation, done func(step string) bool, width int) {
	for i, op := range ops {
		if i == summaryOps {
			fmt.Fprintf(bw, "  … and %d more\n", len(ops)-i)
			break
		}
		left := len(op.Steps)
		if done != nil {
			left = callsLeft(op, done)
		}
		count := " (" + plural(len(op.Steps), "call") + ")"
		if left < len(op.Steps) {
			count = fmt.Sprintf(" (%d of %d calls left)", left, len(op.Steps))
		}
		id := fmt.Sprintf("%-5s ", termsafe.Printable(op.ID))
		title := termsafe.Printable(OperationTitle(op))
		if width > 0 {
			title = cutRunes(title, max(width-utf8.RuneCountInString(id+count), minTitle))
		}
		fmt.Fprintf(bw, "%s%s%s\n", id, title, count)
	}
}

// callsLeft is how many of op's calls done does not call made.
func callsLeft(op linking.Operation, done func(step string) bool) int {
	n := 0
	for _, st := range op.Steps {
		if !done(st.ID) {
			n++
		}
	}
	return n
}

// ManyOperations reports whether ops are more than a summary names: a dry
// run of so many lists them as WriteOperationsLeftSummary does, unless asked
// for every call.
func ManyOperations(ops []linking.Operation, done func(step string) bool) bool {
	n := 0
	for _, op := range ops {
		if done == nil || callsLeft(op, done) > 0 {
			n++
		}
	}
	return n > summaryOps
}

// WriteOperationsLeftSummary is WriteOperationsLeft in a few lines however
// many operations are left (a plan cut off early by an interrupted apply
// leaves hundreds): how many operations and calls are left, and the first
// of them, one line each. Operations done already are counted, not named.
func WriteOperationsLeftSummary(w io.Writer, ops []linking.Operation, done func(step string) bool, width int) error {
	bw := bufio.NewWriter(w)
	var left []linking.Operation
	calls, callsMade := 0, 0
	for _, op := range ops {
		n := len(op.Steps)
		if done != nil {
			n = callsLeft(op, done)
		}
		calls += n
		callsMade += len(op.Steps) - n
		if n > 0 {
			left = append(left, op)
		}
	}
	fmt.Fprintf(bw, "%s left of %d, %s", plural(len(left), "operation"), len(ops), plural(calls, "call"))
	if callsMade > 0 {
		fmt.Fprintf(bw, " (%d made already)", callsMade)
	}
	bw.WriteString(":\n")
	writeOperationLines(bw, left, done, width)
	return bw.Flush()
}
