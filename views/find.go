package views

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/tui"
)

// Find finds any account, whether or not it shares its email, without an
// export and while a scan runs: type an email (any case), a user id, a
// username or a phone number, enter. One account found opens at once; a
// family is listed, each by its primary identifier.
type Find struct {
	c      *tui.Common
	query  tui.TextField
	typing bool

	reading
	found     *tui.Found
	err       error
	cursor    int
	offset    int
	searching string // the query of the results shown, searched again after a write
	again     bool   // the search under way is that: it keeps the cursor and opens nothing

	// pick, when set, makes this a chooser: enter hands the account over
	// (the other account of a link) instead of opening it.
	pick      func(u client.User, conns *linking.Connections) tea.Cmd
	pickTitle string
}

// NewFind opens the find prompt.
func NewFind(c *tui.Common) tui.Component { return &Find{c: c, typing: true} }

// NewPicker opens the find prompt to choose an account for something:
// title says what for, pick gets the account chosen.
func NewPicker(c *tui.Common, title string, pick func(u client.User, conns *linking.Connections) tea.Cmd) *Find {
	return &Find{c: c, typing: true, pick: pick, pickTitle: title}
}

func (f *Find) Init() tea.Cmd   { return nil }
func (f *Find) Capturing() bool { return f.typing }

// FieldEmpty: no query typed yet, where ? opens help (tui.EmptyField).
func (f *Find) FieldEmpty() bool { return f.typing && f.query.Value == "" }
func (f *Find) WantsEsc() bool   { return f.typing && f.found != nil }
func (f *Find) Filters() bool    { return true } // / edits the query (tui.Filterer)
func (f *Find) Title() string {
	if f.pick != nil { // as the screen says it: "Link … with which account?"
		return tui.Fit(f.pickTitle, 50)
	}
	return "Find"
}

// Results is the number of accounts found (tests).
func (f *Find) Results() int {
	if f.found == nil {
		return 0
	}
	return len(f.found.Users)
}

func (f *Find) Help() []tui.HelpGroup {
	k := f.c.Keys
	if f.typing {
		return []tui.HelpGroup{{Title: "Find", Bindings: []keyBinding{
			withHelp(k.Submit, "enter", "find"), withHelp(k.Back, "esc", "close"), k.Clear,
		}}}
	}
	open := withHelp(k.Open, "enter", "open the account")
	if f.pick != nil {
		open = withHelp(k.Open, "enter", "choose this account")
	}
	return []tui.HelpGroup{{Title: "Found", Bindings: []keyBinding{open, k.Up, k.Down,
		withHelp(k.Filter, "/", "find something else"), withHelp(k.Back, "esc", "close")}}}
}

func (f *Find) Update(msg tea.Msg) (tui.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tui.FoundMsg:
		if !f.answered(msg.Task) {
			return f, nil
		}
		f.found, f.err = msg.Found, msg.Err
		if f.again {
			f.again = false
			f.cursor = min(f.cursor, max(f.Results()-1, 0))
			return f, nil
		}
		f.cursor, f.offset = 0, 0
		if f.err == nil && f.found != nil {
			f.typing = len(f.found.Users) == 0
			// One account opens at once, unless the query named an identity
			// linked into it: the results say so, enter opens it.
			if len(f.found.Users) == 1 && f.found.LinkedMatch(f.found.Users[0]).Name == "" {
				return f, f.open()
			}
		}
	case tui.WriteDoneMsg:
		f.stale = f.found != nil
	case tui.ActiveMsg:
		if f.stale && !f.typing && f.searching != "" {
			// What an account opened from here had done to it shows in the list.
			f.again = true
			return f, f.find(f.searching)
		}
	case tea.KeyPressMsg:
		return f, f.key(msg)
	}
	return f, nil
}

// Paste adds to the query being typed; over the results, it starts a new
// query, as / does, with the pasted text.
func (f *Find) Paste(text string) {
	if !f.typing {
		f.typing, f.query.Value = true, ""
	}
	f.query.Paste(text)
}

func (f *Find) key(k tea.KeyPressMsg) tea.Cmd {
	keys := f.c.Keys
	if f.typing {
		searching := f.loading && !f.again // the query typed, not a refresh of the results
		if searching && !tui.Matches(k, keys.Back) {
			// The query is being searched: what is typed now, before its
			// answer, is neither part of it nor meant for the account it
			// may open at once.
			return nil
		}
		switch {
		case tui.Matches(k, keys.Submit):
			return f.search()
		case tui.Matches(k, keys.Back):
			if searching {
				// esc stops the search, not find: its answer opens nothing
				// now, and the query stays to edit or search again.
				f.readTask, f.loading = 0, false
				return nil
			}
			if f.found != nil && len(f.found.Users) > 0 {
				f.typing = false
				return nil
			}
			return f.c.Close(f)
		default:
			f.query.Update(k, keys)
		}
		return nil
	}
	if upDown(k, keys, &f.cursor, f.Results()) {
		return nil
	}
	switch {
	case tui.Matches(k, keys.Filter): // edits the query searched
		f.typing = true
	case tui.Matches(k, keys.Find): // finds something else, as f does anywhere: a prompt of its own
		// Empty, its results too (tester: the last query's showed under it).
		f.typing, f.query.Value = true, ""
		f.found, f.err, f.cursor, f.offset, f.searching, f.stale = nil, nil, 0, 0, "", false
	case tui.Matches(k, keys.Open):
		return f.open()
	}
	return nil
}

func (f *Find) search() tea.Cmd {
	if strings.TrimSpace(f.query.Value) == "" {
		f.err = fmt.Errorf("type an email, a user id, a username or a phone number first")
		return nil
	}
	f.err, f.again, f.searching = nil, false, f.query.Value
	return f.find(f.searching)
}

func (f *Find) find(query string) tea.Cmd {
	return f.startRead(f.c, func(b *tui.Backend, task tui.TaskID) tea.Cmd { return b.Find(f.c.Ctx, task, query) })
}

func (f *Find) open() tea.Cmd {
	if f.found == nil || f.cursor >= len(f.found.Users) {
		return nil
	}
	u := f.found.Users[f.cursor]
	if f.pick != nil {
		closed := f.c.Close(f) // the wizard the pick opens goes where the picker was
		return tea.Batch(closed, f.pick(u, f.found.Conns))
	}
	// Whatever the account screen finds (deleted behind the UI's back,
	// changed by a write), the results show it once on top again.
	f.stale = true
	return f.c.Open(NewAccount(f.c, u.UserID))
}

func (f *Find) View() string {
	c, s := f.c, f.c.Styles
	w := c.Width
	title := "Find any account"
	if f.pick != nil {
		title = f.pickTitle
	}
	lines := append([]string{s.Title.Render(tui.Fit(title, w))},
		sentence(s.Dim.Render, "An email (any case), a user id, a username or a phone number; no export needed.", w)...)
	if f.typing {
		lines = append(lines, s.Key.Render("> ")+f.query.View(s, w-4))
	} else {
		lines = append(lines, s.Dim.Render("> ")+tui.Fit(f.query.Value, w-20)+s.Dim.Render("  (/ edits)"))
	}
	lines = append(lines, "")
	switch {
	case f.loading:
		return strings.Join(append(lines, "Reading the tenant…"+s.Dim.Render(" (esc cancels)")), "\n")
	case f.err != nil:
		return strings.Join(append(lines, hanging(s.Bad.Render("✗ "), f.err.Error(), w-2, 4, nil)...), "\n")
	case f.found == nil:
		return strings.Join(lines, "\n")
	}
	users := f.found.Users
	if len(users) == 0 {
		// The query echoed cut, the sentence around it whole.
		lines = append(lines, tui.Wrap("No account matches "+tui.Fit(f.found.Query, w-30)+" (looked up by "+f.found.By+").", w, 0)...)
		if f.found.By == tui.FoundBySearch {
			lines = append(lines, sentence(s.Dim.Render, "A username or phone must be whole; an email finds every account sharing it.", w)...)
		}
		return strings.Join(lines, "\n")
	}
	lines = append(lines, fmt.Sprintf("%d %s found by %s:", len(users), tui.Plural(len(users), "account", "accounts"), f.found.By))
	idents := foundIdentifiers(c.Data, users, f.found.Conns)
	cols := findColumns(w, users, idents, f.found.Conns)
	lines = append(lines, s.Header.Render("  "+cols.row("IDENTIFIER", "USER ID", "CONNECTION", "EMAIL")))
	// The account under the cursor found by an identity linked into it: the
	// query names no account of its own now, which the row alone hides.
	var note []string
	if f.cursor < len(users) {
		if m := f.found.LinkedMatch(users[f.cursor]); m.Name != "" {
			note = sentence(s.Dim.Render, m.Sentence(func(v string) string { return tui.Fit(v, w-30) }, f.found.Query, "the account marked ▸"), w)
		}
	}
	room := max(c.Height-len(lines)-len(note), 1)
	if f.cursor < f.offset {
		f.offset = f.cursor
	}
	if f.cursor >= f.offset+room {
		f.offset = f.cursor - room + 1
	}
	for i := f.offset; i < min(f.offset+room, len(users)); i++ {
		u := users[i]
		id := idents[i]
		ident := id.Value
		if id.Type == linking.IdentifierUserID {
			ident = "–"
		}
		row := cols.row(ident, u.UserID, u.Connection(), u.Email)
		if i == f.cursor {
			lines = append(lines, s.Selected.Render("▸ "+row))
		} else {
			lines = append(lines, "  "+row)
		}
	}
	return strings.Join(append(lines, note...), "\n")
}

// foundIdentifiers name the accounts found as everywhere else: by their
// primary identifier, or by the username that tells apart the profiles of
// one email on a legacy custom database (linking.UsernameTellsApart),
// among the accounts of its group in the scan, else among those found.
func foundIdentifiers(data *tui.Data, users []client.User, conns *linking.Connections) []linking.PrimaryIdentifier {
	found := &linking.Group{}
	for _, u := range users {
		acc := linking.AccountFromUser(u, conns)
		acc.Identifier = acc.PrimaryIdentifier(conns)
		found.Accounts = append(found.Accounts, &acc)
	}
	out := make([]linking.PrimaryIdentifier, len(users))
	for i, acc := range found.Accounts {
		out[i] = acc.Identifier
		g := found
		if _, in := data.Account(acc.UserID); in != nil {
			g = in
		}
		if u, ok := tui.UsernameIn(g, acc); ok {
			out[i] = u
		}
	}
	return out
}

type findCols struct{ ident, id, conn, email int }

// findColumns gives the user id its room before the connection and the
// email, which go first when the window is narrow.
func findColumns(width int, users []client.User, idents []linking.PrimaryIdentifier, conns *linking.Connections) findCols {
	identW, idW, connW, emailW := 10, 7, 10, 5
	for i, u := range users {
		identW = max(identW, tui.Width(tui.Fit(idents[i].Value, 40)))
		idW = max(idW, tui.Width(tui.Fit(u.UserID, 60)))
		connW = max(connW, tui.Width(tui.Fit(u.Connection(), 40)))
		emailW = max(emailW, tui.Width(tui.Fit(u.Email, 40)))
	}
	w := tui.FitColumns([]tui.Column{
		{Want: identW, Min: 10, Shrink: 2},
		{Want: idW, Min: 14, Shrink: 1},
		{Want: connW, Min: 8, Shrink: 4, Drop: 3},
		{Want: emailW, Min: 10, Shrink: 6, Drop: 5},
	}, width-2, 1)
	return findCols{ident: w[0], id: w[1], conn: w[2], email: w[3]}
}

// row joins the cells of the columns shown.
func (c findCols) row(ident, id, conn, email string) string {
	out := tui.Pad(ident, c.ident) + " " + tui.Pad(id, c.id)
	if c.conn > 0 {
		out += " " + tui.Pad(conn, c.conn)
	}
	if c.email > 0 {
		out += " " + tui.Pad(email, c.email)
	}
	return out
}
