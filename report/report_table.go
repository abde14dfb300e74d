package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

// WriteTable writes the report for a person at a terminal: each group (in
// report order) with its class, email, size and reasons, its accounts
// indented beneath (the recommended primary marked *), and the counts per
// class at the end. Lines are cut, and reasons wrapped, to width columns
// when width > 0. This is a rendering of tenant data for a terminal, so
// control and format characters in it are replaced here, at render time.
// Groups are rendered on every CPU and written in order.
func WriteTable(w io.Writer, r *linking.Report, width int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	err := writeGroups(bw, r.Groups, func(b []byte, i int, g *linking.Group) []byte {
		t := tableWriter{b: b, width: width}
		if i > 0 {
			t.line("")
		}
		t.group(g)
		return t.b
	})
	if err != nil {
		return err
	}
	t := tableWriter{width: width}
	if len(r.Groups) > 0 {
		t.line("")
	}
	t.summary(r)
	if _, err := bw.Write(t.b); err != nil {
		return err
	}
	return bw.Flush()
}

// tableWriter appends the lines of the table to b.
type tableWriter struct {
	b     []byte
	width int
}

func (t *tableWriter) line(s string) {
	t.b = append(t.b, s...)
	t.endLine(len(t.b) - len(s))
}

// endLine ends the line that starts at b[start], cut as truncate cuts it.
func (t *tableWriter) endLine(start int) {
	if t.width > 0 && len(t.b)-start > t.width { // fewer bytes than the width: fewer runes too
		n, cut := 0, -1
		for i := start; i < len(t.b); n++ {
			if n == t.width-1 {
				cut = i
			}
			if t.b[i] < utf8.RuneSelf {
				i++
			} else {
				_, size := utf8.DecodeRune(t.b[i:])
				i += size
			}
		}
		if n > t.width {
			t.b = append(t.b[:cut], "…"...)
		}
	}
	t.b = append(t.b, '\n')
}

func (t *tableWriter) group(g *linking.Group) {
	start := len(t.b)
	t.b = append(t.b, classTitle(g.Class)...)
	t.b = append(t.b, "  "...)
	t.b = append(t.b, termsafe.Printable(g.Email)...)
	t.b = append(t.b, "  "...)
	t.b = strconv.AppendInt(t.b, int64(len(g.Accounts)), 10)
	t.b = append(t.b, " accounts"...)
	if g.MissedByExtension && g.Class != linking.ClassSharedByDesign && g.Class != linking.ClassLegacyDuplicate {
		t.b = append(t.b, "  · missed by the Account Link Extension"...) // only where a link is in question
	}
	t.endLine(start)
	for _, reason := range g.Reasons {
		t.wrapped("  - ", termsafe.Printable(reason))
	}
	t.accounts(g)
	for _, reason := range g.PrimaryReasons {
		t.wrapped("    primary: ", termsafe.Printable(reason))
	}
}

func (t *tableWriter) summary(r *linking.Report) {
	counts := r.Counts()
	parts := make([]string, len(linking.Classes))
	for i, c := range linking.Classes {
		parts[i] = fmt.Sprintf("%s %d", c, counts[c])
	}
	t.line(fmt.Sprintf("%d groups: %s", len(r.Groups), strings.Join(parts, " · ")))
	scanned := fmt.Sprintf("%d users scanned, %d with an email", r.UsersScanned, r.AccountsWithEmail)
	if r.SkippedLines > 0 {
		scanned += fmt.Sprintf(", %d malformed lines skipped", r.SkippedLines)
	}
	if r.Connection != "" {
		scanned += ", groups involving connection " + termsafe.Printable(r.Connection)
	}
	t.line(scanned)
	for _, e := range r.LineErrors {
		t.line(fmt.Sprintf("  line %d: %s", e.Line, termsafe.Printable(e.Error)))
	}
}

// wrapped writes text after prefix, wrapped at spaces to the width, with
// continuation lines indented under the text.
func (t *tableWriter) wrapped(prefix, text string) {
	start := len(t.b)
	t.b = append(t.b, prefix...)
	indent := utf8.RuneCountInString(prefix)
	avail := t.width - indent
	if t.width <= 0 || avail < 20 {
		t.b = append(t.b, text...)
		t.endLine(start)
		return
	}
	n := 0
	ascii := termsafe.PrintableASCII(text)
	for rest := text; ; {
		var word string
		if ascii { // words end at spaces only: every other space is not ASCII
			for len(rest) > 0 && rest[0] == ' ' {
				rest = rest[1:]
			}
			if rest == "" {
				break
			}
			word, rest, _ = strings.Cut(rest, " ")
		} else {
			var ok bool
			if word, rest, ok = nextField(rest); !ok {
				break
			}
		}
		wl := len(word)
		if !ascii {
			wl = utf8.RuneCountInString(word)
		}
		if n > 0 && n+1+wl > avail {
			t.endLine(start)
			start = len(t.b)
			for range indent {
				t.b = append(t.b, ' ')
			}
			n = 0
		}
		if n > 0 {
			t.b = append(t.b, ' ')
			n++
		}
		t.b = append(t.b, word...)
		n += wl
	}
	if n > 0 {
		t.endLine(start)
	} else {
		t.b = t.b[:start] // no words: no line
	}
}

// nextField cuts the first word of s as strings.Fields splits (at Unicode
// white space); ok is false when only white space is left.
func nextField(s string) (word, rest string, ok bool) {
	start := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
	if start < 0 {
		return "", "", false
	}
	s = s[start:]
	end := strings.IndexFunc(s, unicode.IsSpace)
	if end < 0 {
		return s, "", true
	}
	return s[:end], s[end:], true
}

// classTitle is how the table heads a group of class c: "LINK CANDIDATE".
func classTitle(c linking.Class) string {
	if s, ok := classTitles[c]; ok {
		return s
	}
	return strings.ToUpper(strings.ReplaceAll(string(c), "_", " "))
}

var classTitles = func() map[linking.Class]string {
	m := map[linking.Class]string{}
	for _, c := range linking.Classes {
		m[c] = strings.ToUpper(strings.ReplaceAll(string(c), "_", " "))
	}
	return m
}()

// accountColumns is how many columns an account's row has; the last is
// not padded.
const accountColumns = 6

// accountRow is one account's cells (the first with its mark) and their
// widths in runes.
type accountRow struct {
	cells  [accountColumns]string
	widths [accountColumns]int
}

// accounts writes one row per account, each column padded to its widest
// cell (counted in runes): the recommended primary marked *, its
// identifier, connection, verification, logins, last login and user id.
func (t *tableWriter) accounts(g *linking.Group) {
	rows := make([]accountRow, len(g.Accounts))
	var widths [accountColumns]int
	for r, a := range g.Accounts {
		mark := "  "
		if a.UserID == g.RecommendedPrimary && g.RecommendedPrimary != "" {
			mark = "* "
		}
		verified := "unverified"
		if a.EmailVerified {
			verified = "verified"
		}
		row := &rows[r]
		row.cells = [accountColumns]string{
			mark + termsafe.Printable(a.Identifier.String()), termsafe.Printable(a.Connection), verified,
			linking.Logins(a.LoginsCount), "last login " + linking.LoginDay(a.LastLogin), termsafe.Printable(a.UserID),
		}
		for i, c := range row.cells {
			row.widths[i] = runeWidth(c)
			widths[i] = max(widths[i], row.widths[i])
		}
	}
	for _, row := range rows {
		start := len(t.b)
		t.b = append(t.b, "  "...)
		for i, cell := range row.cells {
			if i > 0 {
				t.b = append(t.b, "  "...)
			}
			t.b = append(t.b, cell...)
			if i < accountColumns-1 {
				for range widths[i] - row.widths[i] {
					t.b = append(t.b, ' ')
				}
			}
		}
		t.endLine(start)
	}
}

// runeWidth counts the runes of s, as the table measures columns.
func runeWidth(s string) int {
	if termsafe.PrintableASCII(s) {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}
