package views

import (
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

// One very long username in a group cuts its own cell, not the other
// columns: at 100 columns every row keeps its connection, logins and last
// login (tester: a 304-character username left the table its identifiers
// and user ids alone).
func TestALongUsernameDoesNotPushTheOtherColumnsOut(t *testing.T) {
	account := func(id, username string) *linking.Account {
		return &linking.Account{UserID: id, Connection: "family", Provider: "auth0", Email: "home@example.com", Username: username,
			Identifier: linking.PrimaryIdentifier{Type: linking.IdentifierUsername, Value: username}}
	}
	g := &linking.Group{Email: "home@example.com", Accounts: []*linking.Account{
		account("auth0|cccccccccccccccccccc0001", "red.user"),
		account("auth0|cccccccccccccccccccc0004", "long"+strings.Repeat("x", 300)),
	}}
	c := detailColumns(100, g)
	if c.conn == 0 || c.logins == 0 || c.last == 0 || c.id < len("auth0|cccccccccccccccccccc0004") {
		t.Errorf("at 100 columns, with one long username: %+v", c)
	}
}
