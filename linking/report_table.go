package linking

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteTable writes the report for a person at a terminal: each group (in
// report order) with its class, email, size and reasons, its accounts
// indented beneath (the recommended primary marked *), and the counts per
// class at the end. Lines are cut, and reasons wrapped, to width columns
// when width > 0. This is a rendering of tenant data for a terminal, so
// control and format characters in it are replaced here, at render time.
func WriteTable(w io.Writer, r *Report, width int) error {
	bw := bufio.NewWriter(w)
	t := tableWriter{w: bw, width: width}
	for i, g := range r.Groups {
		if i > 0 {
			t.line("")
		}
		t.group(g)
	}
	if len(r.Groups) > 0 {
		t.line("")
	}
	t.summary(r)
	return bw.Flush()
}

type tableWriter struct {
	w     *bufio.Writer
	width int
}

func (t *tableWriter) line(s string) {
	if t.width > 0 {
		s = truncate(s, t.width)
	}
	t.w.WriteString(s)
	t.w.WriteByte('\n')
}

func (t *tableWriter) group(g *Group) {
	head := fmt.Sprintf("%s  %s  %d accounts", strings.ToUpper(strings.ReplaceAll(string(g.Class), "_", " ")), printable(g.Email), len(g.Accounts))
	if g.MissedByExtension && g.Class != ClassSharedByDesign && g.Class != ClassLegacyDuplicate {
		head += "  · missed by the Account Link Extension" // only where a link is in question
	}
	t.line(head)
	for _, reason := range g.Reasons {
		t.wrapped("  - ", printable(reason))
	}
	rows := make([][]string, len(g.Accounts))
	for i, a := range g.Accounts {
		mark := "  "
		if a.UserID == g.RecommendedPrimary && g.RecommendedPrimary != "" {
			mark = "* "
		}
		verified := "unverified"
		if a.EmailVerified {
			verified = "verified"
		}
		rows[i] = []string{
			mark + printable(a.Identifier.String()), printable(a.Connection), verified,
			logins(a.LoginsCount), "last login " + loginDay(a.LastLogin), printable(a.UserID),
		}
	}
	for _, row := range alignColumns(rows) {
		t.line("  " + row)
	}
	for _, reason := range g.PrimaryReasons {
		t.wrapped("    primary: ", printable(reason))
	}
}

func (t *tableWriter) summary(r *Report) {
	counts := r.Counts()
	parts := make([]string, len(Classes))
	for i, c := range Classes {
		parts[i] = fmt.Sprintf("%s %d", c, counts[c])
	}
	t.line(fmt.Sprintf("%d groups: %s", len(r.Groups), strings.Join(parts, " · ")))
	scanned := fmt.Sprintf("%d users scanned, %d with an email", r.UsersScanned, r.AccountsWithEmail)
	if r.SkippedLines > 0 {
		scanned += fmt.Sprintf(", %d malformed lines skipped", r.SkippedLines)
	}
	if r.Connection != "" {
		scanned += ", groups involving connection " + printable(r.Connection)
	}
	t.line(scanned)
	for _, e := range r.LineErrors {
		t.line(fmt.Sprintf("  line %d: %s", e.Line, printable(e.Error)))
	}
}

// wrapped writes text after prefix, wrapped at spaces to the width, with
// continuation lines indented under the text.
func (t *tableWriter) wrapped(prefix, text string) {
	avail := t.width - utf8.RuneCountInString(prefix)
	if t.width <= 0 || avail < 20 {
		t.line(prefix + text)
		return
	}
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	var cur strings.Builder
	n := 0
	flush := func() {
		t.line(prefix + cur.String())
		prefix = indent
		cur.Reset()
		n = 0
	}
	for _, word := range strings.Fields(text) {
		wl := utf8.RuneCountInString(word)
		if n > 0 && n+1+wl > avail {
			flush()
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wl
	}
	if n > 0 {
		flush()
	}
}

// alignColumns pads each column to its widest cell (counted in runes).
func alignColumns(rows [][]string) []string {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	out := make([]string, len(rows))
	for r, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)))
			}
		}
		out[r] = b.String()
	}
	return out
}

// truncate cuts s to width runes, ending in … when cut.
func truncate(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	runes := []rune(s)
	return string(runes[:width-1]) + "…"
}
