package linking

import (
	"bufio"
	"fmt"
	"io"
)

// WritePlanText writes the plan for a person: every operation with its
// reasons, merge preview and the exact calls it makes, then the groups left
// alone. Strings from the tenant are made printable; JSON bodies keep their
// meaning (a character a terminal would act on is written as a \u escape).
func WritePlanText(w io.Writer, p *Plan) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Plan %s for %s, made %s", p.ID, printable(p.Tenant), p.CreatedAt.Format("2006-01-02 15:04:05Z07:00"))
	if p.CreatedBy != "" {
		fmt.Fprintf(bw, " by %s", printable(p.CreatedBy))
	}
	fmt.Fprintf(bw, "\n%s, %s; %s not planned.\n", plural(len(p.Operations), "operation"), plural(p.Calls(), "call"), plural(len(p.NotPlanned), "group"))
	for _, op := range p.Operations {
		bw.WriteString("\n")
		writeOperation(bw, op)
	}
	writeNotPlanned(bw, p.NotPlanned)
	return bw.Flush()
}

// notActionableHint says, per class, what a person does with a group the
// plan leaves alone.
var notActionableHint = map[Class]string{
	ClassSharedByDesign:    "legitimate by design on a Non-Unique Emails connection: nothing to do",
	ClassLegacyDuplicate:   "need migration, not linking (see the reasons in the plan file)",
	ClassMixed:             "decide account by account, then `linkdesk link` or `linkdesk delete`",
	ClassNeedsVerification: "have an unverified email: verify it, or plan with --allow-unverified",
}

// writeNotPlanned lists every group a safety check refused, and counts the
// groups with nothing to link by class; the plan file holds each one.
func writeNotPlanned(w *bufio.Writer, nps []NotPlanned) {
	if len(nps) == 0 {
		return
	}
	var refused []NotPlanned
	byClass := map[Class]int{}
	for _, np := range nps {
		if np.Why == WhyRefused {
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
			fmt.Fprintf(w, "  %-40s %s (%s)\n", printable(np.Group), np.Check, np.Class)
		}
		if byClass[ClassNeedsVerification] == 0 && refused[0].Check == "unverified_email" {
			fmt.Fprintf(w, "  unverified emails: %s\n", notActionableHint[ClassNeedsVerification])
		}
	}
	if len(byClass) > 0 {
		w.WriteString("\nNot planned, nothing to link (each group is listed with its reasons in the plan file):\n")
		for _, c := range Classes {
			if n := byClass[c]; n > 0 {
				fmt.Fprintf(w, "  %-19s %5d  %s\n", c, n, notActionableHint[c])
			}
		}
	}
}

// WriteOperations writes operations as WritePlanText does, without the plan
// around them: the dry run of a single link, unlink or delete.
func WriteOperations(w io.Writer, ops []Operation) error {
	bw := bufio.NewWriter(w)
	for i, op := range ops {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeOperation(bw, op)
	}
	return bw.Flush()
}

func writeOperation(w *bufio.Writer, op Operation) {
	fmt.Fprintf(w, "%s  %s\n", op.ID, printable(OperationTitle(op)))
	for _, r := range op.Reasons {
		fmt.Fprintf(w, "     why: %s\n", printable(r))
	}
	if op.Reason != "" {
		fmt.Fprintf(w, "     reason given: %s\n", printable(op.Reason))
	}
	for _, o := range op.Overrides {
		fmt.Fprintf(w, "     OVERRIDE: safety check %s overridden\n", o)
	}
	if m := op.Merge; m != nil {
		switch len(m.Conflicts) {
		case 0:
			w.WriteString("     metadata: merged into the primary, no conflicts\n")
		default:
			fmt.Fprintf(w, "     metadata: merged into the primary, %s:\n", plural(len(m.Conflicts), "conflict"))
			for _, c := range m.Conflicts {
				keep, drop := c.Primary, c.Secondary
				if c.Kept == SideSecondary {
					keep, drop = drop, keep
				}
				fmt.Fprintf(w, "       %s: keep %s (%s), drop %s\n", printable(c.Key()), DisplayJSON(mustJSON(keep)), c.Kept, DisplayJSON(mustJSON(drop)))
			}
		}
	}
	if m := op.Merge; m != nil {
		for _, f := range []struct {
			name string
			v    map[string]any
		}{{FieldUserMetadata, m.UserMetadata}, {FieldAppMetadata, m.AppMetadata}} {
			if f.v != nil {
				fmt.Fprintf(w, "       the primary's %s becomes %s\n", f.name, DisplayJSON(mustJSON(f.v)))
			}
		}
	}
	for _, c := range op.Cascade {
		fmt.Fprintf(w, "     cascade: deletes linked identity %s (%s)\n", printable(c.String()), printable(c.Connection))
	}
	for _, n := range op.Notes {
		fmt.Fprintf(w, "     note: %s\n", printable(n))
	}
	w.WriteString("     calls:\n")
	for _, s := range op.Steps {
		fmt.Fprintf(w, "       %s\n", CallText(s.Call))
	}
}

// OperationTitle says what an operation does in one line.
func OperationTitle(op Operation) string {
	var s string
	switch op.Kind {
	case OpLink:
		s = fmt.Sprintf("link %s into %s", op.Secondary, op.Primary)
	case OpUnlink:
		s = fmt.Sprintf("unlink %s from %s", op.Secondary, op.Primary)
	case OpDelete:
		s = "delete " + op.Target
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
func CallText(c Call) string {
	s := c.Method + " " + printable(c.Path)
	if len(c.Body) > 0 {
		s += " " + DisplayJSON(c.Body)
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
