package lucene

import (
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
)

// FuzzEscapedEmailPhrase checks linkdesk's query escaping against the
// emulator's Lucene parser: email:"<escaped address>" must parse as one
// phrase on email whose text is the address exactly (nothing of it read as
// syntax: no injection), and must match exactly the users whose email is
// that address, as Auth0 compares emails (case-insensitively).
func FuzzEscapedEmailPhrase(f *testing.F) {
	for _, s := range []string{
		`a@b.com" OR email:*`, `a@b.com\" OR email:*`, `a@b.com\`, `a@b.com\\`, `"`, `\`, `\"`, `""`,
		`*`, `?`, `a*@b.com`, `) OR (email:*`, `a@b.com" OR "x`, `" OR _exists_:email OR "`, `a@b.com"~2`, `a@b.com"^3`,
		`John.Doe@Acme.com`, `odd"one@example.com`, `a b@c.d`, "tab\t@x", "\xff@x", "\\\xff", "\x00", "",
		`email:a@b.com`, `a@b.com AND NOT email:x`, `[a TO z]`, `{*}`, "ǅ@x", "ß@ẞ.de",
	} {
		f.Add(s, strings.ToUpper(s))
	}
	f.Fuzz(func(t *testing.T, email, other string) {
		q := `email:"` + client.EscapeLucenePhrase(email) + `"`
		parsed, err := parseQuery(q, Users)
		if err != nil {
			t.Fatalf("%q does not parse: %v", q, err)
		}
		tq, ok := parsed.(*termQuery)
		if !ok || tq.ref.kind != FieldEmail || tq.v.kind != vPhrase || tq.v.text != email {
			t.Fatalf("%q parses as %#v, not one phrase on email with the text %q", q, parsed, email)
		}
		for _, e := range []string{email, other, strings.ToUpper(email), strings.ToLower(email), email + "x", "x" + email, "a@b.com", ""} {
			// Every other searchable field holds the address too: a query
			// that escaped the email field would match through them.
			u := testUser{FieldUserID: "auth0|" + email, FieldEmail: e, FieldName: email, FieldUsername: email,
				FieldNickname: email, FieldGivenName: email, FieldFamilyName: email, FieldPhoneNumber: email}
			want := e != "" && strings.EqualFold(e, email)
			if got := parsed.match(u); got != want {
				t.Fatalf("%q matches the email %q: %t, want %t", q, e, got, want)
			}
		}
	})
}
