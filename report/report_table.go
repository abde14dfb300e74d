package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

// WriteTable writes the report for a person at a terminal: each group (in
// report order) with its class, email, size and reasons, its accounts
// indented beneath (the recommended primary marked *), and the counts per
// class at the end. When width > 0 (a terminal's) reasons are wrapped to
// width columns, account rows leave out what is least useful first to keep
// each user id whole (fitRows), and other lines are cut. This is a
// rendering of tenant data for a terminal, so control and format
// characters in it are replaced here, at render time. Groups are rendered
// on every CPU and written in order.
func WriteTable(w io.Writer, r *linking.Report, width int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	err := writeGroups(bw, r.Groups, func(b []byte, i int, g *linking.Group) []byte {
		sc := tableScratch.Get().(*tableWriter)
		t := tableWriter{b: b, width: width, cells: sc.cells, ends: sc.ends}
		if i > 0 {
			t.line("")
		}
		t.group(g)
		sc.cells, sc.ends = t.cells[:0], t.ends[:0]
		tableScratch.Put(sc)
		return t.b
	})
	if err != nil {
		return err
	}
	t := tableWriter{width: width}
	if len(r.Groups) > 0 {
		t.line("")
	}
	t.single(r.Email, r.Single)
	t.summary(r)
	if _, err := bw.Write(t.b); err != nil {
		return err
	}
	return bw.Flush()
}

// tableScratch keeps the cells scratch of the encoding goroutines.
var tableScratch = sync.Pool{New: func() any { return new(tableWriter) }}

// tableWriter appends the lines of the table to b.
type tableWriter struct {
	b     []byte
	width int
	cells []byte // scratch: the cells of a group's account rows
	ends  []int  // where each cell ends in cells
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

// single writes the accounts an email scan (of email) found alone on their
// address, each in a row as a group's accounts are; one that holds the
// address through a linked identity's profile says which.
func (t *tableWriter) single(email string, accounts []*linking.Account) {
	key := linking.NormalizeEmail(email)
	for _, a := range accounts {
		line := "ACCOUNT  " + termsafe.Printable(a.Email) + "  alone: no other account has this email"
		if key != "" && linking.NormalizeEmail(a.Email) != key {
			for _, l := range a.Linked {
				if linking.NormalizeEmail(l.Email) == key {
					line = "ACCOUNT  " + termsafe.Printable(strings.TrimSpace(email)) + "  alone: held by " + termsafe.Printable(a.UserID) +
						" through its linked identity " + termsafe.Printable(l.Provider+"|"+l.UserID) + "; no other account has this email"
					break
				}
			}
		}
		t.line(line)
		t.accounts(&linking.Group{Email: a.Email, Accounts: []*linking.Account{a}})
		t.line("")
	}
}

// unusableShown is how many accounts with an email that groups with nothing
// the table names under its summary.
const unusableShown = 5

func (t *tableWriter) summary(r *linking.Report) {
	counts := r.Counts()
	parts := make([]string, len(linking.Classes))
	for i, c := range linking.Classes {
		parts[i] = fmt.Sprintf("%s %d", c, counts[c])
	}
	t.line(plural(len(r.Groups), "group") + ": " + strings.Join(parts, " · "))
	scanned := fmt.Sprintf("%s scanned, %d with an email", plural(r.UsersScanned, "user"), r.AccountsWithEmail)
	if r.SkippedLines > 0 {
		scanned += ", " + plural(r.SkippedLines, "malformed line") + " skipped"
	}
	if r.AccountsWithUnusableEmail > 0 {
		scanned += fmt.Sprintf(", %d with an email that groups with nothing", r.AccountsWithUnusableEmail)
	}
	if r.Connection != "" {
		scanned += ", groups involving connection " + termsafe.Printable(r.Connection)
	}
	t.line(scanned)
	for _, e := range r.LineErrors {
		t.line(fmt.Sprintf("  line %d: %s", e.Line, termsafe.Printable(e.Error)))
	}
	for i, e := range r.UnusableEmails {
		if i == unusableShown {
			t.line(fmt.Sprintf("  … and %d more (scan --json lists the first %d)", r.AccountsWithUnusableEmail-unusableShown, len(r.UnusableEmails)))
			break
		}
		t.line(fmt.Sprintf("  %s, email %s: %s", termsafe.Printable(e.UserID), termsafe.Printable(e.Email), e.Error))
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
	ascii := termsafe.PrintableASCII(text)
	if ascii && text != "" && text[0] != ' ' && text[len(text)-1] != ' ' && !strings.Contains(text, "  ") {
		// Words one space apart (nearly every reason): each line is the
		// longest run of whole words that fits, cut at its last space.
		for rest := text; ; {
			line := rest
			if len(rest) > avail {
				if k := strings.LastIndexByte(rest[:avail+1], ' '); k > 0 {
					line = rest[:k]
				} else if k := strings.IndexByte(rest, ' '); k > 0 {
					line = rest[:k] // one word longer than the line: alone on it
				}
			}
			t.b = append(t.b, line...)
			t.endLine(start)
			if len(line) == len(rest) {
				return
			}
			rest = rest[len(line)+1:]
			start = len(t.b)
			for range indent {
				t.b = append(t.b, ' ')
			}
		}
	}
	n := 0
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

// The columns of an account's row, in the order it writes them; the last
// is not padded.
const (
	colIdentifier   = iota // the recommended primary's mark *, the identifier's type and value
	colConnection          // its connection's name
	colVerification        // verified or unverified, and blocked
	colLogins              // "41 logins"
	colLastLogin           // "last login 2024-05-01"
	colUserID              // what the operator acts on
	accountColumns
)

// An account's row starts with rowIndent spaces and has rowGap between its
// columns.
const rowIndent, rowGap = 2, 2

// What a column cut to fit a terminal keeps at the least, in runes: the
// identifier's with the mark of the primary.
const minConnection, minIdentifier = 10, 2 + 8

// accounts writes one row per account, each column padded to its widest
// cell (counted in runes): the recommended primary marked *, its
// identifier, connection, verification, logins, last login and user id.
// On a terminal too narrow for the rows, fitRows leaves out or cuts what
// the operator needs least first. The cells are laid out in the writer's
// scratch first, to be measured, then copied into place with their
// padding: no string an account.
func (t *tableWriter) accounts(g *linking.Group) {
	cells := t.cells[:0]
	ends := t.ends[:0]
	var widths [accountColumns]int
	cell := func(start int) {
		ends = append(ends, len(cells))
		i := len(ends) - 1
		widths[i%accountColumns] = max(widths[i%accountColumns], runeWidthBytes(cells[start:]))
	}
	names := linking.NamedBy(g)
	for i, a := range g.Accounts {
		start := len(cells)
		if a.UserID == g.RecommendedPrimary && g.RecommendedPrimary != "" {
			cells = append(cells, "* "...)
		} else {
			cells = append(cells, "  "...)
		}
		// Identifier types are plain ASCII, so Printable of the whole is
		// type, space and Printable of the value.
		id := nameOf(names, i, a) // the profiles of one email of a legacy database: by username
		if id.Type == linking.IdentifierUserID {
			id = a.Identifier // the user id has a column of its own
		}
		cells = append(cells, id.Type...)
		cells = append(cells, ' ')
		cells = append(cells, termsafe.Printable(id.Value)...)
		cell(start)
		start = len(cells)
		cells = append(cells, termsafe.Printable(a.Connection)...)
		cell(start)
		start = len(cells)
		if a.EmailVerified {
			cells = append(cells, "verified"...)
		} else {
			cells = append(cells, "unverified"...)
		}
		if a.Blocked {
			cells = append(cells, ", "+blockedWord...)
		}
		cell(start)
		start = len(cells)
		cells = strconv.AppendInt(cells, a.LoginsCount, 10)
		if a.LoginsCount == 1 {
			cells = append(cells, " login"...)
		} else {
			cells = append(cells, " logins"...)
		}
		cell(start)
		start = len(cells)
		cells = append(cells, "last login "...)
		cells = appendLastLogin(cells, a)
		cell(start)
		start = len(cells)
		cells = append(cells, termsafe.Printable(a.UserID)...)
		cell(start)
	}
	l := rowLayout{widths: widths}
	if t.width > 0 && l.width() > t.width {
		unlabeled := 0 // the identifier column without the identifiers' types
		for i := colIdentifier; i < len(ends); i += accountColumns {
			from := 0
			if i > 0 {
				from = ends[i-1]
			}
			id := cells[from:ends[i]]
			unlabeled = max(unlabeled, runeWidthBytes(id)-labelEnd(id)+2)
		}
		l = fitRows(widths, unlabeled, t.width, slices.ContainsFunc(g.Accounts, func(a *linking.Account) bool { return a.Blocked }))
	}
	var fitted []byte // a cell cut or without its label
	for row := 0; row < len(ends); row += accountColumns {
		start := len(t.b)
		t.b = append(t.b, "  "...)
		first := true
		for col := range accountColumns {
			if l.out[col] {
				continue
			}
			w := l.widths[col]
			from := 0
			if row+col > 0 {
				from = ends[row+col-1]
			}
			c := cells[from:ends[row+col]]
			if col == colIdentifier && l.noLabel {
				fitted = append(append(fitted[:0], c[:2]...), c[labelEnd(c):]...)
				c = fitted
			}
			if col == colVerification && l.blockedOnly {
				c = c[:0]
				if bytes.HasSuffix(cells[from:ends[row+col]], []byte(blockedWord)) {
					c = []byte(blockedWord)
				}
			}
			if n := runeWidthBytes(c); n > w {
				fitted = append(fitted[:0], cutRunes(string(c), w)...)
				c = fitted
			}
			if !first {
				t.b = append(t.b, "  "...)
			}
			first = false
			t.b = append(t.b, c...)
			if col < accountColumns-1 {
				for range w - runeWidthBytes(c) {
					t.b = append(t.b, ' ')
				}
			}
		}
		t.endLine(start) // the user id is cut only when nothing else is left to give up
		for _, l := range g.Accounts[row/accountColumns].Linked {
			t.linked(l)
		}
	}
	t.cells, t.ends = cells, ends
}

// linked writes, under its account's row, an identity linked into it: its
// id, the username or phone its old profile held (a family member linked
// into a parent's account is told apart by it alone) and its connection.
func (t *tableWriter) linked(l linking.Identity) {
	start := len(t.b)
	t.b = append(t.b, "      linked: "...)
	t.b = append(t.b, termsafe.Printable(l.Provider+"|"+l.UserID)...)
	switch {
	case l.Username != "":
		t.b = append(t.b, " (username "...)
		t.b = append(t.b, termsafe.Printable(l.Username)...)
		t.b = append(t.b, ')')
	case l.PhoneNumber != "":
		t.b = append(t.b, " (phone_number "...)
		t.b = append(t.b, termsafe.Printable(l.PhoneNumber)...)
		t.b = append(t.b, ')')
	}
	t.b = append(t.b, " on "...)
	t.b = append(t.b, termsafe.Printable(l.Connection)...)
	t.endLine(start)
}

// blockedWord marks a blocked account's row.
const blockedWord = "blocked"

// labelEnd is where the identifier's type ends in an identifier cell
// ("* email a@b.c"), the space after it included.
func labelEnd(id []byte) int {
	return 2 + bytes.IndexByte(id[2:], ' ') + 1
}

// appendLastLogin writes when the account last logged in: its date, or
// "never" only when it has no login either; an account with logins whose
// last login the data lacks is "unknown", not "never".
func appendLastLogin(b []byte, a *linking.Account) []byte {
	return linking.AppendLastLogin(b, a.LoginsCount, a.LastLogin)
}

// rowLayout is how a group's account rows fit a terminal.
type rowLayout struct {
	widths  [accountColumns]int  // each column's runes
	out     [accountColumns]bool // the columns left out
	noLabel bool                 // the identifiers are written without their type
	// blockedOnly: the verification column says only "blocked", on the
	// rows of blocked accounts (what the operator must not miss).
	blockedOnly bool
}

// width is the runes of a row.
func (l *rowLayout) width() int {
	n, shown := rowIndent, 0
	for col, w := range l.widths {
		if !l.out[col] {
			n += w
			shown++
		}
	}
	return n + rowGap*max(shown-1, 0)
}

// fitRows lays out rows whose columns want widths (unlabeled: the
// identifier column without the types) in width, giving up what the
// operator needs least first, as the terminal UI gives up its columns
// (dates, then connection names; user ids and the identifiers that tell a
// family apart last): the last login, then the logins, then the connection
// (cut, then left out), the identifiers' types (the value says what it is:
// an address, a phone number), the verification; then the identifier is
// cut. The user id is never cut here: only the line's end cuts it, when
// nothing else is left to give up.
func fitRows(widths [accountColumns]int, unlabeled, width int, anyBlocked bool) rowLayout {
	l := rowLayout{widths: widths}
	shrink := func(col, least int) {
		over := l.width() - width
		l.widths[col] = max(l.widths[col]-over, min(l.widths[col], least))
	}
	steps := [...]func(){
		func() { l.out[colLastLogin] = true },
		func() { l.out[colLogins] = true },
		func() { shrink(colConnection, minConnection) },
		func() { l.out[colConnection] = true },
		func() { l.widths[colIdentifier], l.noLabel = unlabeled, true },
		func() {
			if anyBlocked {
				l.widths[colVerification], l.blockedOnly = len(blockedWord), true
			} else {
				l.out[colVerification] = true
			}
		},
		func() { l.out[colVerification] = true }, // the group's reasons still name the blocked
		func() { shrink(colIdentifier, minIdentifier) },
	}
	for _, step := range steps {
		if l.width() <= width {
			break
		}
		step()
	}
	return l
}

// runeWidthBytes counts the runes of b, as the table measures columns.
func runeWidthBytes(b []byte) int {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.RuneCount(b)
		}
	}
	return len(b)
}
