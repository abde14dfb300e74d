package tui

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/linkdesk/linkdesk/termsafe"
)

// Layout of tenant strings in cells: every function here sanitizes first
// (termsafe decides what a terminal must not receive), then measures and
// cuts by display width.

// Ellipsis ends a string cut to fit.
const Ellipsis = "…"

// Fit sanitizes s and cuts it to at most width cells, ending it with … when
// it had to cut. The work is bounded by width, not by len(s).
func Fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	var clean string
	if termsafe.IsPlain(s) {
		if len(s) <= width {
			return s
		}
		clean = s[:width+1]
	} else {
		var b strings.Builder
		// A cell holds at least one rune, except zero-width marks; 4× leaves
		// room for combining marks while bounding a hostile megabyte.
		cut := termsafe.SanitizeInto(&b, s, 4*width+8)
		clean = b.String()
		if cut && ansi.StringWidth(clean) < width {
			return clean + Ellipsis
		}
	}
	if ansi.StringWidth(clean) <= width {
		return clean
	}
	return ansi.Truncate(clean, width, Ellipsis)
}

// Pad is Fit followed by spaces up to exactly width cells.
func Pad(s string, width int) string {
	f := Fit(s, width)
	if w := ansi.StringWidth(f); w < width {
		return f + strings.Repeat(" ", width-w)
	}
	return f
}

// PadLeft is Fit with the spaces on the left (numbers in columns).
func PadLeft(s string, width int) string {
	f := Fit(s, width)
	if w := ansi.StringWidth(f); w < width {
		return strings.Repeat(" ", width-w) + f
	}
	return f
}

// nbHyphen is U+2011, a hyphen no line breaks at.
const nbHyphen = '\u2011'

// Width is the display width of an already sanitized or styled string.
func Width(s string) int { return ansi.StringWidth(s) }

// Wrap sanitizes s and wraps it into lines of at most width cells, at most
// maxLines of them (the last one ending in … when text was left over;
// maxLines ≤ 0: no limit). Lines break at spaces, not inside a date or an
// id at its hyphens; a word longer than a line is cut.
func Wrap(s string, width, maxLines int) []string { return wrapAt(s, width, maxLines, "") }

// WrapCall is Wrap for a call's path and JSON body, which hold one space
// or none: lines break after a "," or a "/" too, so that an id (a user id,
// a connection id) stays in one piece on a line where it fits.
func WrapCall(s string, width, maxLines int) []string { return wrapAt(s, width, maxLines, ",/") }

// wrapAt is Wrap breaking after the characters of breakpoints too.
func wrapAt(s string, width, maxLines int, breakpoints string) []string {
	if width <= 0 {
		return nil
	}
	var clean string
	if maxLines > 0 && len(s) > maxLines*width*4+64 {
		var b strings.Builder
		termsafe.SanitizeInto(&b, s, maxLines*width*4+64)
		clean = b.String() + Ellipsis
	} else {
		clean = termsafe.Sanitize(s)
	}
	// ansi.Wrap breaks at every hyphen: each goes through it as a
	// non-breaking hyphen (one cell too), unless the text holds one already.
	keep := strings.Contains(clean, "-") && !strings.ContainsRune(clean, nbHyphen)
	if keep {
		clean = strings.ReplaceAll(clean, "-", string(nbHyphen))
	}
	wrapped := ansi.Wrap(clean, width, breakpoints)
	if keep {
		wrapped = strings.ReplaceAll(wrapped, string(nbHyphen), "-")
	}
	lines := strings.Split(wrapped, "\n")
	if maxLines > 0 && len(lines) > maxLines {
		lines = lines[:maxLines]
		if last := lines[maxLines-1]; Width(last) < width {
			lines[maxLines-1] = last + Ellipsis // one mark that text was left over
		} else {
			lines[maxLines-1] = ansi.Truncate(last+Ellipsis, width, Ellipsis)
		}
	}
	return lines
}

// Truncate cuts an already sanitized (possibly styled) string to width cells.
func Truncate(s string, width int) string { return ansi.Truncate(s, width, Ellipsis) }

// TruncateLeft removes the first n cells of an already sanitized string.
func TruncateLeft(s string, n int) string { return ansi.TruncateLeft(s, n, "") }

// FitLeft is Fit cutting from the left, for paths whose end matters: the
// result starts with … when it had to cut.
func FitLeft(s string, width int) string {
	if width <= 0 {
		return ""
	}
	clean := termsafe.Sanitize(s)
	w := ansi.StringWidth(clean)
	if w <= width {
		return clean
	}
	return Ellipsis + ansi.TruncateLeft(clean, w-(width-1), "")
}

// FitMiddle sanitizes s and cuts it to at most width cells by taking out
// its middle, marked with …: a name's start and its end both stay
// ("Username-Pass…tication"), where Fit keeps the start alone. The work is
// bounded by width, not by len(s): a hostile megabyte is read at its ends.
func FitMiddle(s string, width int) string {
	if width < 3 {
		return Fit(s, width)
	}
	start, end := s, s
	if limit := 4*width + 8; len(s) > 2*limit {
		start, end = s[:limit], s[len(s)-limit:]
		for len(end) > 0 && !utf8.RuneStart(end[0]) {
			end = end[1:]
		}
		start, end = termsafe.Sanitize(start), termsafe.Sanitize(end)
	} else {
		start = termsafe.Sanitize(s)
		if ansi.StringWidth(start) <= width {
			return start
		}
		end = start
	}
	// The start says what a name is, its end which one: three cells of
	// five to the start.
	head := (3*(width-1) + 4) / 5
	tail := width - 1 - head
	w := ansi.StringWidth(end)
	last := ansi.TruncateLeft(end, max(w-tail, 0), "")
	if ansi.StringWidth(last) > tail { // a wide character across the cut
		last = ansi.TruncateLeft(end, max(w-tail+1, 0), "")
	}
	return ansi.Truncate(start, head, "") + Ellipsis + last
}

// minPart is the least a part FitParts cuts keeps: a start, …, an end.
const minPart = 5

// FitParts joins parts (tenant strings, each sanitized) with sep in at most
// width cells, every part shown: where the whole does not fit, the widest
// parts are cut in their middle (FitMiddle) down to one width, the others
// kept whole, so that two combinations of names never read the same for
// want of room ("Username…ication + acme-corp + google-oauth2"). Parts
// too many for each to keep minPart cells are cut at the end, as Fit does.
func FitParts(parts []string, sep string, width int) string {
	s, _ := joinParts(parts, sep, width, minPart, FitMiddle)
	return s
}

// minPartEnd is the least a part FitPartsEnd cuts keeps: four cells of its
// start and …, what still names it ("Usern…").
const minPartEnd = 6

// FitPartsEnd is FitParts for a column of a table, where a name cut must
// read as cut: the widest parts are cut at their end with … (never inside
// a character: each is sanitized, then cut by cells), the others kept
// whole ("Username-Passwo… + github"); a row whose parts cannot each keep
// minPartEnd cells shows the first ones that can and counts the rest
// ("Username-Pas… +2").
func FitPartsEnd(parts []string, sep string, width int) string {
	s, ok := joinParts(parts, sep, width, minPartEnd, Fit)
	for shown := len(parts) - 1; !ok && shown > 0; shown-- {
		more := fmt.Sprintf(" +%d", len(parts)-shown)
		if s, ok = joinParts(parts[:shown], sep, width-len(more), minPartEnd, Fit); ok {
			return s + more
		}
	}
	if !ok && len(parts) > 1 { // not even the first part: as much of it as fits
		more := fmt.Sprintf(" +%d", len(parts)-1)
		return Truncate(Fit(parts[0], max(width-len(more), 1))+more, width)
	}
	return s
}

// fitParts joins parts in width cells, cutting the widest ones with cut
// down to one width, none below least cells (ok false: they were, the
// whole cut at its end).
func joinParts(parts []string, sep string, width, least int, cut func(string, int) string) (string, bool) {
	if width <= 0 || len(parts) == 0 {
		return "", width > 0
	}
	room := width - ansi.StringWidth(sep)*(len(parts)-1)
	clean := make([]string, len(parts))
	w := make([]int, len(parts))
	sum := func(level int) int { // the parts' width, none wider than level
		n := 0
		for _, x := range w {
			n += min(x, level)
		}
		return n
	}
	widest := 0
	for i, p := range parts {
		clean[i] = Fit(p, max(room, 0)+1) // wider than room: cut below anyway
		w[i] = ansi.StringWidth(clean[i])
		widest = max(widest, w[i])
	}
	if sum(widest) <= room {
		return Truncate(strings.Join(clean, sep), width), true
	}
	// The widest level every part fits under, found by halves.
	lo, hi := 0, widest
	for lo < hi {
		if mid := (lo + hi + 1) / 2; sum(mid) <= room {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	level := max(lo, least)
	spare := max(room-sum(level), 0) // a cell more for the first parts cut
	for i, p := range parts {
		if w[i] <= level {
			continue
		}
		n := level
		if spare > 0 {
			n, spare = n+1, spare-1
		}
		clean[i] = cut(p, n)
	}
	return Truncate(strings.Join(clean, sep), width), lo >= least
}

// Column is one column of a table laid out by FitColumns.
type Column struct {
	Want int // the width its widest cell (or header) needs
	Min  int // the least it may shrink to
	// Drop and Shrink order what the table gives up when it is too wide, on
	// one scale: the highest number goes first, whether it drops a column
	// (width 0) or cuts one down to Min; 0 never does it.
	Drop   int
	Shrink int
}

// RowWidth is the width of a row of columns of widths w (0: not shown)
// with gap cells between those shown.
func RowWidth(w []int, gap int) int {
	t, n := 0, 0
	for _, x := range w {
		if x > 0 {
			t += x
			n++
		}
	}
	return t + gap*max(n-1, 0)
}

// FitColumns gives each column a width so that the table, with gap cells
// between columns, fits in width: it takes the columns' drops and shrinks
// in their order until it fits. A column never gets more than it wants;
// room left over goes to no one.
func FitColumns(cols []Column, width, gap int) []int {
	w := make([]int, len(cols))
	for i, c := range cols {
		w[i] = max(c.Want, c.Min)
	}
	total := func() int { return RowWidth(w, gap) }
	type step struct {
		col, prio int
		drop      bool
	}
	var steps []step
	for i, c := range cols {
		if c.Drop > 0 {
			steps = append(steps, step{i, c.Drop, true})
		}
		if c.Shrink > 0 {
			steps = append(steps, step{i, c.Shrink, false})
		}
	}
	slices.SortStableFunc(steps, func(a, b step) int { return b.prio - a.prio })
	for _, st := range steps {
		over := total() - width
		if over <= 0 {
			break
		}
		switch {
		case w[st.col] == 0:
		case st.drop:
			w[st.col] = 0
		default:
			w[st.col] = max(w[st.col]-over, cols[st.col].Min)
		}
	}
	return w
}

// Bullet is one item of a bulleted list width cells wide: its text (a
// tenant's strings sanitized) wrapped under its bullet, at most maxLines
// lines (≤ 0: whole, never cut).
func Bullet(text string, width, maxLines int) []string {
	lines := Wrap(text, max(width-4, 10), maxLines)
	for i := range lines {
		if i == 0 {
			lines[i] = "  • " + lines[i]
		} else {
			lines[i] = "    " + lines[i]
		}
	}
	return lines
}

// FitTenant is Fit for a tenant's address, keeping the port at its end
// whole ("127.0…:35417", "…:35417"): two sandboxes on one host differ by
// it alone. A name without a port is cut as Fit cuts it.
func FitTenant(name string, width int) string {
	clean := termsafe.Sanitize(name)
	host, port := splitPort(clean)
	switch w := ansi.StringWidth(clean); {
	case w <= width:
		return clean
	case port == "" || width < ansi.StringWidth(port)+1:
		return Fit(clean, width)
	case width-1-ansi.StringWidth(port) < 2:
		// A cell or none of the host says nothing of it.
		return Ellipsis + port
	default:
		return ansi.Truncate(host, width-1-ansi.StringWidth(port), "") + Ellipsis + port
	}
}

// splitPort splits a port (":35417", or ":35417)" closing a parenthesis)
// off the end of a tenant's name; port is "" where it ends in none.
func splitPort(name string) (host, port string) {
	end := strings.TrimSuffix(name, ")")
	i := strings.LastIndexByte(end, ':')
	if i < 0 || i == len(end)-1 || strings.Trim(end[i+1:], "0123456789") != "" {
		return name, ""
	}
	return name[:i], name[i:]
}
