package tui

import (
	"strings"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
)

// An account is named by its primary identifier wherever it appears
// (the TUI contract): on a Non-Unique Emails connection the username or phone
// that tells family members apart, else the email, with the user id beside
// it because an identifier may be shared.

// AccountLabel names an account for a sentence or a row: "identifier
// (user id)", or the user id alone when that is all it has. Not sanitized:
// callers draw it with Fit or Pad.
func AccountLabel(id linking.PrimaryIdentifier, userID string) string {
	if id.Value == "" || id.Type == linking.IdentifierUserID || id.Value == userID {
		return userID
	}
	return id.Value + " (" + userID + ")"
}

// Label is AccountLabel of an account of a scan.
func Label(a *linking.Account) string {
	if a == nil {
		return ""
	}
	return AccountLabel(a.Identifier, a.UserID)
}

// IdentifierOf is the primary identifier of a user read from the tenant.
func IdentifierOf(u client.User, conns *linking.Connections) linking.PrimaryIdentifier {
	a := linking.AccountFromUser(u, conns)
	return a.PrimaryIdentifier(conns)
}

// UserLabel is AccountLabel of a user read from the tenant.
func UserLabel(u client.User, conns *linking.Connections) string {
	return AccountLabel(IdentifierOf(u, conns), u.UserID)
}

// IdentityLabel names a linked identity by the identifier its old profile
// holds on its connection, and its provider|user_id; by provider|user_id
// alone when that identifier is the email of the account it is linked into
// (which tells it apart from nothing).
func IdentityLabel(id client.Identity, conns *linking.Connections, ownerEmail string) string {
	pi := IdentityIdentifier(id, conns)
	userID := id.Provider + "|" + id.UserID
	if pi.Type == linking.IdentifierEmail && strings.EqualFold(strings.TrimSpace(pi.Value), strings.TrimSpace(ownerEmail)) {
		return userID
	}
	return AccountLabel(pi, userID)
}

// IdentityIdentifier is a linked identity's primary identifier, read from
// its old profile (profileData) with the connection settings.
func IdentityIdentifier(id client.Identity, conns *linking.Connections) linking.PrimaryIdentifier {
	a := linking.Account{UserID: id.Provider + "|" + id.UserID, Connection: id.Connection, Provider: id.Provider}
	a.Email, _ = id.ProfileData["email"].(string)
	a.Username, _ = id.ProfileData["username"].(string)
	a.PhoneNumber, _ = id.ProfileData["phone_number"].(string)
	if conns == nil {
		conns = linking.InferConnections()
	}
	return a.PrimaryIdentifier(conns)
}

// UniqueIn reports whether a's primary identifier tells it apart from every
// other account of g (linking.TellsApart: the group's email never does).
func UniqueIn(g *linking.Group, a *linking.Account) bool {
	var others []*linking.Account
	if g != nil {
		others = g.Accounts
	}
	return linking.TellsApart(a, others)
}

// NameIn names an account of a group: by its primary identifier where that
// tells it apart from the others (a family's usernames), with the user id;
// else by a username that does (the several profiles of one email of a
// legacy custom database), as plans and the audit log name it; else by
// its user id alone, since the identifier they share (the group's email)
// is on screen already.
func NameIn(g *linking.Group, a *linking.Account) string {
	if a == nil {
		return ""
	}
	if id, ok := tellsApartIn(g, a); ok {
		return AccountLabel(id, a.UserID)
	}
	return a.UserID
}

// ShortNameIn is NameIn in fewer cells: the identifier that tells a apart
// in g without its user id beside it, else its user id alone (a write's
// toast, where its whole label does not fit: tui.WriteRequest.Short).
func ShortNameIn(g *linking.Group, a *linking.Account) string {
	if a == nil {
		return ""
	}
	if id, ok := tellsApartIn(g, a); ok && id.Value != "" && id.Type != linking.IdentifierUserID {
		return id.Value
	}
	return a.UserID
}

// tellsApartIn is the identifier that tells a apart from the other
// accounts of g: its primary identifier, else a username (UsernameIn).
func tellsApartIn(g *linking.Group, a *linking.Account) (linking.PrimaryIdentifier, bool) {
	if UniqueIn(g, a) {
		return a.Identifier, true
	}
	return UsernameIn(g, a)
}

// UsernameIn is linking.UsernameTellsApart: the username that names an
// account of a legacy custom database among the profiles of its email.
func UsernameIn(g *linking.Group, a *linking.Account) (linking.PrimaryIdentifier, bool) {
	return linking.UsernameTellsApart(g, a)
}
