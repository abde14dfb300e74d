package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

func TestShowFindsAnyAccountWithoutAnExport(t *testing.T) {
	e := newWriteEnv(t)
	tests := []struct {
		query string
		want  []string // user ids, in order
		by    string
	}{
		{"sam.taylor@gmail.com", []string{cmdSam}, "email"},                                              // alone on its email: no group
		{"THE.MILLERS@gmail.com", []string{cmdMike, "auth0|64b7ca01e0f1a2b3c4d5e6f8", cmdLiam}, "email"}, // any case
		{"liam.miller", []string{cmdLiam}, "username, phone or identity id"},
		{"+14155550123", []string{"sms|64a1f2c3d4e5f60718293a4b"}, "username, phone or identity id"},
		{"(415) 555-0123", []string{"sms|64a1f2c3d4e5f60718293a4b"}, "username, phone or identity id"}, // without its country code
		{"4155550123", []string{"sms|64a1f2c3d4e5f60718293a4b"}, "username, phone or identity id"},
		{cmdAliceGoogle, []string{cmdAliceGoogle}, "user id"},
		{"google-oauth2|101202303404505606707", []string{cmdSam}, "linked identity"}, // linked into sam's account
	}
	for _, tt := range tests {
		r := runCmd(t, nil, "show", tt.query, "--json")
		if r.code != exitOK {
			t.Fatalf("show %s: exit %d: %s", tt.query, r.code, r.errOut)
		}
		var out struct {
			FoundBy  string `json:"found_by"`
			Accounts []struct {
				UserID            string `json:"user_id"`
				PrimaryIdentifier struct{ Type, Value string }
				AppMetadata       map[string]any `json:"app_metadata"`
				Group             *struct {
					Class string `json:"class"`
				} `json:"group"`
			} `json:"accounts"`
		}
		if err := json.Unmarshal([]byte(r.out), &out); err != nil {
			t.Fatalf("show %s --json: %v\n%s", tt.query, err, r.out)
		}
		var got []string
		for _, a := range out.Accounts {
			got = append(got, a.UserID)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") || out.FoundBy != tt.by {
			t.Errorf("show %s: %v by %q, want %v by %q", tt.query, got, out.FoundBy, tt.want, tt.by)
		}
	}
	// Text: the profile, the identifier, the metadata, the group.
	r := runCmd(t, nil, "show", "liam.miller")
	for _, want := range []string{cmdLiam + " (username liam.miller)", "family-accounts", `"parental_controls": true`,
		"group         the.millers@gmail.com, shared_by_design, with " + cmdMike + " (mike.miller)"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("show liam.miller lacks %q:\n%s", want, r.out)
		}
	}
	// A linked identity's id shows the account holding it, and says so.
	r = runCmd(t, nil, "show", "google-oauth2|101202303404505606707")
	if !strings.HasPrefix(r.out, "google-oauth2|101202303404505606707 is no account of its own now: it is an identity linked into the account below.") || !strings.Contains(r.out, cmdSam) {
		t.Errorf("show of a linked identity:\n%s", r.out)
	}
	// Its id pasted without the provider finds it by search: said too.
	r = runCmd(t, nil, "show", "101202303404505606707")
	if !strings.HasPrefix(r.out, "101202303404505606707 is the id of google-oauth2|101202303404505606707, an identity linked into the account below") || !strings.Contains(r.out, cmdSam) {
		t.Errorf("show of a linked identity's bare id:\n%s", r.out)
	}
	r = runCmd(t, nil, "show", "nobody.at.all")
	if r.code != exitFailure || !strings.Contains(r.errOut, "No account matches nobody.at.all") {
		t.Errorf("show of nobody: exit %d, %q", r.code, r.errOut)
	}
	if n := e.srv.Stats().Requests["POST /api/v2/jobs/users-exports"]; n != 0 {
		t.Errorf("show ran %d export jobs", n)
	}
}

func TestAWrongSecretSaysWhichSettingToCheck(t *testing.T) {
	newWriteEnvFrom(t, cmdFixture, emulator.Options{Rate: -1})
	t.Setenv("AUTH0_CLIENT_SECRET", "not-the-secret")
	for _, args := range [][]string{{"scan"}, {"show", "sam.taylor@gmail.com"}, {"delete", cmdSam}} {
		r := runCmd(t, nil, args...)
		if r.code != exitFailure || !strings.Contains(r.errOut, "check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET") || strings.Contains(r.errOut, `oauth2: "access_denied"`) {
			t.Errorf("%q with a wrong secret: exit %d, %q", args, r.code, r.errOut)
		}
	}
}

func TestAPipedTableIsNeverCut(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "scan") // stdout is not a terminal here
	if r.code != exitOK {
		t.Fatalf("scan: %d %s", r.code, r.errOut)
	}
	longest := 0
	for _, l := range strings.Split(r.out, "\n") {
		longest = max(longest, len([]rune(l)))
		if strings.HasSuffix(l, "…") {
			t.Errorf("a piped line is cut: %q", l)
		}
	}
	if longest <= 100 {
		t.Errorf("the longest piped line is %d runes: the table was cut to a terminal's width", longest)
	}
	// The user id, the table's last column, is on every account row.
	for _, id := range []string{cmdAliceGoogle, cmdLiam, "google-oauth2|114455667788990011223"} {
		if !strings.Contains(r.out, id) {
			t.Errorf("the piped table lacks the user id %s", id)
		}
	}
}

func TestScanOfOneEmailReportsAnAccountAloneOnIt(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "scan", "--email", "imported.user@web.de")
	if r.code != exitOK || !strings.Contains(r.out, "ACCOUNT  imported.user@web.de  alone: no other account has this email") ||
		!strings.Contains(r.out, "auth0|5e8f9a0b1c2d3e4f50617283") {
		t.Errorf("scan --email of a lone account: exit %d\n%s", r.code, r.out)
	}
	r = runCmd(t, nil, "scan", "--email", "imported.user@web.de", "--json")
	var rep struct {
		Version int               `json:"version"`
		Groups  []json.RawMessage `json:"groups"`
		Single  []struct {
			UserID string `json:"user_id"`
		} `json:"single_accounts"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version != 1 || len(rep.Groups) != 0 || len(rep.Single) != 1 || rep.Single[0].UserID != "auth0|5e8f9a0b1c2d3e4f50617283" {
		t.Errorf("scan --email --json: %+v", rep)
	}
}

// An account alone on its address is reported by scan --email only where
// it involves the connection asked for: on another connection it was shown
// as if it were the account asked about.
func TestScanOfOneEmailOnAnotherConnectionSaysNoAccountIsThere(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "scan", "--email", "imported.user@web.de", "--connection", "github")
	want := "No account of the email imported.user@web.de is on the connection github (1 account has it: `linkdesk scan --email imported.user@web.de` lists it)."
	if r.code != exitOK || strings.TrimSpace(r.out) != want {
		t.Errorf("scan --email --connection of a lone account elsewhere: exit %d\n%s", r.code, r.out)
	}
	r = runCmd(t, nil, "scan", "--email", "imported.user@web.de", "--connection", "github", "--json")
	if r.code != exitOK || strings.Contains(r.out, "auth0|5e8f9a0b1c2d3e4f50617283") {
		t.Errorf("scan --email --connection --json of a lone account elsewhere: exit %d\n%s", r.code, r.out)
	}
}

func TestVerifyEmailSendsTheJobOnce(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "verify-email", cmdMariaDB)
	if r.code != exitOK || !strings.Contains(r.out, "POST /api/v2/jobs/verification-email") || e.srv.Stats().Requests["POST /api/v2/jobs/verification-email"] != 0 {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = runCmd(t, nil, "verify-email", cmdMariaDB, "--force", "--reason", "ZD-88 asked again")
	if r.code != exitOK || e.srv.Stats().Requests["POST /api/v2/jobs/verification-email"] != 1 {
		t.Fatalf("verify-email --force: exit %d, %d jobs\n%s%s", r.code, e.srv.Stats().Requests["POST /api/v2/jobs/verification-email"], r.out, r.errOut)
	}
	recs := e.auditRecords()
	if len(recs) != 2 || recs[0].UserIDs[0] != cmdMariaDB || recs[0].Reason != "ZD-88 asked again" {
		t.Errorf("audit records: %+v", recs)
	}
	if r := runCmd(t, nil, "verify-email", cmdAliceDB, "--force"); r.code != exitRefused || !strings.Contains(r.errOut, "verified already") {
		t.Errorf("a verified account: exit %d %s", r.code, r.errOut)
	}
}

func TestTicketTakesItsOptionsAndOnlyForADatabaseAccount(t *testing.T) {
	e := newWriteEnv(t)
	r := runCmd(t, nil, "ticket", cmdLiam, "--ttl", "48h", "--mark-email-verified", "--app-client-id", "app_123", "--force", "--reason", "ZD-1207")
	if r.code != exitOK || !strings.Contains(r.out, "?ticket=") {
		t.Fatalf("ticket: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	recs := e.auditRecords()
	if len(recs) != 2 {
		t.Fatalf("audit: %+v", recs)
	}
	var call struct {
		Body map[string]any `json:"body"`
	}
	if err := json.Unmarshal(recs[0].Request, &call); err != nil {
		t.Fatal(err)
	}
	if call.Body["ttl_sec"] != float64(172800) || call.Body["mark_email_as_verified"] != true || call.Body["client_id"] != "app_123" || call.Body["user_id"] != cmdLiam {
		t.Errorf("the ticket call: %v", call.Body)
	}
	if r := runCmd(t, nil, "ticket", cmdAliceGoogle, "--force"); r.code != exitRefused || !strings.Contains(r.errOut, "signs in with google-oauth2, whose identity provider keeps its password") {
		t.Errorf("a google account's ticket: exit %d %s", r.code, r.errOut)
	}
	// A passwordless account has no password to set (testers: it was said to "keep" one).
	if r := runCmd(t, nil, "ticket", "sms|64a1f2c3d4e5f60718293a4b", "--force"); r.code != exitRefused || !strings.Contains(r.errOut, "it signs in with sms by a one-time code and has no password") {
		t.Errorf("an sms account's ticket: exit %d %s", r.code, r.errOut)
	}
	if r := runCmd(t, nil, "ticket", cmdLiam, "--app-client-id", "a", "--result-url", "https://x.example"); r.code != exitUsage {
		t.Errorf("both --app-client-id and --result-url: exit %d", r.code)
	}
}

// --client-id is linkdesk's credentials' on every command, ticket too:
// given on a ticket where a token leaves it unused, it is refused naming
// --app-client-id, with nothing made; taken as the credentials' and
// refused by the tenant, the error says the application's is --app-client-id.
func TestATicketsClientIDIsTheCredentialsAndSaysWhereTheApplicationGoes(t *testing.T) {
	e := newWriteEnv(t)
	if help := strings.Join(strings.Fields(runCmd(t, nil, "ticket", "--help").out), " "); !strings.Contains(help, "--client-id is not the ticket's application") || !strings.Contains(help, "The application the person lands on is --app-client-id") {
		t.Errorf("ticket --help: %s", help)
	}
	r := runCmd(t, nil, "ticket", cmdLiam, "--client-id", "my-spa", "--force")
	if r.code != exitFailure || !strings.Contains(r.errOut, "refused linkdesk's credentials") || !strings.Contains(r.errOut, "the application a ticket sends the person to is --app-client-id my-spa") {
		t.Errorf("ticket --client-id with client credentials: exit %d\n%s", r.code, r.errOut)
	}
	t.Setenv("AUTH0_API_TOKEN", emulatortest.Token(t, e.base, e.srv.ClientID(), e.srv.ClientSecret(), ""))
	for _, args := range [][]string{
		{"ticket", cmdLiam, "--client-id", "my-spa", "--force"},
		{"ticket", cmdLiam, "--client-id", "my-spa", "--demo"},
	} {
		r := runCmd(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.errOut, "is --app-client-id my-spa") {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
	}
	if n := e.userWrites(); n != 0 {
		t.Errorf("%d writes made", n)
	}
	if r := runCmd(t, nil, "ticket", cmdLiam, "--app-client-id", "my-spa", "--force"); r.code != exitOK {
		t.Errorf("ticket --app-client-id with a token: exit %d\n%s", r.code, r.errOut)
	}
}

// A family member linked into another account (a Non-Unique Emails
// connection, told apart by username) is named by its username, from its
// old profile, in show and in scan --json; an sms identity by its phone.
func TestALinkedIdentityIsNamedByItsPrimaryIdentifier(t *testing.T) {
	e := newWriteEnv(t)
	tn := connectEnv(t, e)
	for _, l := range []struct {
		primary string
		target  client.LinkTarget
	}{
		{cmdMike, client.LinkTarget{Provider: "auth0", UserID: strings.TrimPrefix(cmdLiam, "auth0|")}},
		{cmdSam, client.LinkTarget{Provider: "sms", UserID: strings.TrimPrefix(cmdSMS, "sms|")}},
	} {
		if _, err := tn.Link(t.Context(), l.primary, l.target); err != nil {
			t.Fatal(err)
		}
	}
	r := runCmd(t, nil, "show", "mike.miller")
	if want := "identity      " + cmdLiam + " (username liam.miller) on family-accounts (linked)\n"; r.code != exitOK || !strings.Contains(r.out, want) {
		t.Errorf("show mike.miller: exit %d, want %q:\n%s%s", r.code, want, r.out, r.errOut)
	}
	r = runCmd(t, nil, "show", cmdSam)
	for _, want := range []string{
		"identity      " + cmdSMS + " (phone_number +14155550123) on sms (linked)\n",
		"identity      google-oauth2|101202303404505606707 on google-oauth2 (linked)\n", // its email is the account's own
	} {
		if r.code != exitOK || !strings.Contains(r.out, want) {
			t.Errorf("show %s: exit %d, want %q:\n%s%s", cmdSam, r.code, want, r.out, r.errOut)
		}
	}
	r = runCmd(t, nil, "show", "mike.miller", "--json")
	var shown struct {
		Accounts []struct {
			Identities []struct {
				UserID            string          `json:"user_id"`
				PrimaryIdentifier *identifierJSON `json:"primary_identifier"`
			} `json:"identities"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(r.out), &shown); err != nil || len(shown.Accounts) != 1 || len(shown.Accounts[0].Identities) != 2 {
		t.Fatalf("show --json: %v\n%s", err, r.out)
	}
	if ids := shown.Accounts[0].Identities; ids[0].PrimaryIdentifier != nil || ids[1].PrimaryIdentifier == nil ||
		*ids[1].PrimaryIdentifier != (identifierJSON{"username", "liam.miller"}) {
		t.Errorf("show --json identities: %+v", ids)
	}

	r = runCmd(t, nil, "scan", "--json")
	var rep struct {
		Groups []struct {
			Accounts []struct {
				UserID string `json:"user_id"`
				Linked []struct {
					UserID            string          `json:"user_id"`
					PrimaryIdentifier *identifierJSON `json:"primary_identifier"`
				} `json:"linked_identities"`
			} `json:"accounts"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("scan --json: %v\n%s", err, r.errOut)
	}
	got := map[string]identifierJSON{}
	for _, g := range rep.Groups {
		for _, a := range g.Accounts {
			for _, l := range a.Linked {
				if l.PrimaryIdentifier == nil {
					t.Errorf("scan --json: %s's linked identity %s has no primary_identifier", a.UserID, l.UserID)
					continue
				}
				got[a.UserID+" "+l.UserID] = *l.PrimaryIdentifier
			}
		}
	}
	if id := got[cmdMike+" 65c0d1e2f3a4b5c6d7e8f901"]; id != (identifierJSON{"username", "liam.miller"}) {
		t.Errorf("scan --json names Liam, linked into Mike, %+v; all: %v", id, got)
	}
}

// scan --email of an address no account has says so (it printed an empty
// report of 0 groups).
func TestScanOfAnAddressNoAccountHasSaysSo(t *testing.T) {
	newWriteEnv(t)
	r := runCmd(t, nil, "scan", "--email", "Nobody@Nowhere.example")
	if r.code != exitOK || r.out != "No account has the email Nobody@Nowhere.example (in any case).\n" {
		t.Fatalf("exit %d:\n%s%s", r.code, r.out, r.errOut)
	}
	// An address some accounts have, none of them on the connection asked
	// for, is not said to be no one's (tester).
	r = runCmd(t, nil, "scan", "--email", "wei.zhang@gmail.com", "--connection", "acme-corp")
	if r.code != exitOK || r.out != "No account of the email wei.zhang@gmail.com is on the connection acme-corp (3 accounts have it: `linkdesk scan --email wei.zhang@gmail.com` lists them).\n" {
		t.Fatalf("scan --email --connection: exit %d:\n%s%s", r.code, r.out, r.errOut)
	}
	r = runCmd(t, nil, "plan", "--email", "wei.zhang@gmail.com", "--connection", "acme-corp", "--out", filepath.Join(t.TempDir(), "p.json"))
	if r.code != exitOK || !strings.Contains(r.out+r.errOut, "No account of the email wei.zhang@gmail.com is on the connection acme-corp") {
		t.Fatalf("plan --email --connection: exit %d:\n%s%s", r.code, r.out, r.errOut)
	}
}

// show --json writes dates as scan --json (and Auth0) do, with
// milliseconds, so that a script comparing the two finds the same account.
func TestShowJSONWritesDatesAsScanJSONDoes(t *testing.T) {
	newWriteEnv(t)
	var shown struct {
		Accounts []struct {
			CreatedAt string `json:"created_at"`
			LastLogin string `json:"last_login"`
		} `json:"accounts"`
	}
	r := runCmd(t, nil, "show", cmdAliceDB, "--json")
	if err := json.Unmarshal([]byte(r.out), &shown); err != nil || len(shown.Accounts) != 1 {
		t.Fatalf("show --json: exit %d %v\n%s%s", r.code, err, r.out, r.errOut)
	}
	var rep struct {
		Groups []struct {
			Accounts []struct {
				UserID    string `json:"user_id"`
				CreatedAt string `json:"created_at"`
				LastLogin string `json:"last_login"`
			} `json:"accounts"`
		} `json:"groups"`
	}
	r = runCmd(t, nil, "scan", "--email", "alice.nguyen@gmail.com", "--json")
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("scan --json: %v\n%s", err, r.errOut)
	}
	for _, g := range rep.Groups {
		for _, a := range g.Accounts {
			if a.UserID != cmdAliceDB {
				continue
			}
			got := shown.Accounts[0]
			if got.CreatedAt != a.CreatedAt || got.LastLogin != a.LastLogin || got.CreatedAt != "2023-02-13T09:14:22.120Z" {
				t.Errorf("show --json dates %s, %s; scan --json %s, %s", got.CreatedAt, got.LastLogin, a.CreatedAt, a.LastLogin)
			}
			return
		}
	}
	t.Fatalf("scan --json lacks %s:\n%s", cmdAliceDB, r.out)
}

// A family member linked into another account is no account of its own,
// and Auth0's search reads no linked identity's profile: `show liam.miller`
// said no account matched. Linked by linkdesk (its audit log knows) or
// outside it and scanned since (the snapshot knows), show finds the
// account it lives in and says so; an sms identity likewise by its number.
func TestShowFindsAnIdentityLinkedAwayByItsUsernameOrNumber(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "scan") // a snapshot from before the links
	mustRun(t, "link", cmdSam, cmdLiam, "--allow-different-emails", "--force")
	if r := runCmd(t, nil, "show", "liam.miller"); r.code != exitOK || !strings.Contains(r.out, "\n"+cmdSam+" (") { // the audit log's word
		t.Errorf("show liam.miller after the link: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	const wei = "auth0|5f1a2b3c4d5e6f7081920a1b"
	if _, err := connectEnv(t, e).Link(t.Context(), wei, client.LinkTarget{Provider: "sms", UserID: strings.TrimPrefix(cmdSMS, "sms|")}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "scan", "--full")

	for _, c := range []struct{ query, owner, says string }{
		{"liam.miller", cmdSam, "liam.miller is the username of " + cmdLiam + ", an identity linked into the account below"},
		{"Liam.Miller", cmdSam, "Liam.Miller is the username of " + cmdLiam},
		{"+14155550123", wei, "+14155550123 is the phone number of " + cmdSMS + ", an identity linked into the account below"},
		{"(415) 555-0123", wei, "(415) 555-0123 is only the end of the phone number +14155550123 of " + cmdSMS + ", an identity linked into the account below: check its country code"},
	} {
		r := runCmd(t, nil, "show", c.query)
		if r.code != exitOK || !strings.Contains(r.out, c.says) || !strings.Contains(r.out, "\n"+c.owner+" (") {
			t.Errorf("show %q: exit %d, want %q and %s:\n%s%s", c.query, r.code, c.says, c.owner, r.out, r.errOut)
		}
	}
	var shown struct {
		Accounts []struct {
			UserID                string `json:"user_id"`
			MatchedLinkedIdentity string `json:"matched_linked_identity"`
		} `json:"accounts"`
	}
	r := mustRun(t, "show", "liam.miller", "--json")
	if err := json.Unmarshal([]byte(r.out), &shown); err != nil || len(shown.Accounts) != 1 ||
		shown.Accounts[0].UserID != cmdSam || shown.Accounts[0].MatchedLinkedIdentity != cmdLiam {
		t.Errorf("show liam.miller --json: %v\n%s", err, r.out)
	}
	// The account's own username names no linked identity.
	if r := mustRun(t, "show", "mike.miller"); strings.Contains(r.out, "an identity linked into") {
		t.Errorf("show mike.miller:\n%s", r.out)
	}
}

// Right after linkdesk's own write the search has not caught up (Auth0's
// lags; the sandbox's by default too): show of a secondary just linked
// away found nothing by its user id, and show of a family member just
// unlinked nothing by its username. linkdesk's audit log says where each
// is: read by id, at once.
func TestShowFindsWhatLinkdeskJustLinkedOrUnlinkedBeforeTheSearchDoes(t *testing.T) {
	e := newWriteEnvFrom(t, cmdFixture, emulator.Options{Rate: -1, SearchLag: time.Hour})
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	if r := runCmd(t, nil, "show", cmdAliceGoogle); r.code != exitOK || !strings.Contains(r.out, "is no account of its own now: it is an identity linked into the account below") ||
		!strings.Contains(r.out, "\n"+cmdAliceDB+" (") {
		t.Errorf("show %s right after its link: exit %d\n%s%s", cmdAliceGoogle, r.code, r.out, r.errOut)
	}
	mustRun(t, "link", cmdSam, cmdLiam, "--allow-different-emails", "--force")
	e.srv.AdvanceClock(2 * time.Hour) // the search has caught up with the link, and not with the unlink below
	mustRun(t, "unlink", cmdSam, "auth0", strings.TrimPrefix(cmdLiam, "auth0|"), "--force")
	if r := runCmd(t, nil, "show", "liam.miller"); r.code != exitOK || !strings.HasPrefix(r.out, cmdLiam+" (username liam.miller)") {
		t.Errorf("show liam.miller right after its unlink: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// Right after an unlink, the account it was unlinked from lists it in its
// group again: the group of Patel.Family@gmail.com is read under its
// lower-case spelling too, which users-by-email finds at once, where the
// search lags behind the unlink (tester: the group lacked raj.patel for a
// second).
func TestAGroupReadRightAfterAnUnlinkHoldsTheAccountUnlinked(t *testing.T) {
	const rajGoogle, raj = "google-oauth2|112233445566778899001", "auth0|63a1b2c3d4e5f60718293a4c"
	e := newWriteEnvFrom(t, cmdFixture, emulator.Options{Rate: -1, SearchLag: time.Hour})
	mustRun(t, "link", rajGoogle, raj, "--force")
	e.srv.AdvanceClock(2 * time.Hour) // the search has caught up with the link, and not with the unlink below
	mustRun(t, "unlink", rajGoogle, "auth0", strings.TrimPrefix(raj, "auth0|"), "--force")
	if r := mustRun(t, "show", rajGoogle); !strings.Contains(r.out, raj+" (raj.patel)") {
		t.Errorf("show %s right after the unlink: its group lacks %s:\n%s", rajGoogle, raj, r.out)
	}
}

// show USER_ID of an account linkdesk deleted said only that no account
// matches: it now points to the deletion in the audit log (its op_id,
// when, by whom, and the undo that takes it back), as text on stderr and
// in JSON (deleted); of an identity linked into the account deleted, it
// names that account. Once the undo made the account again, show finds
// it; deleted again elsewhere, nothing points to linkdesk's deletion.
func TestShowOfAnAccountLinkdeskDeletedPointsToTheDeletion(t *testing.T) {
	e := newWriteEnv(t)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	mustRun(t, "delete", cmdAliceDB, "--force", "--reason", "ZD-3")
	op := e.opIDOf("delete")
	for _, tc := range []struct{ id, says string }{
		{cmdAliceDB, "linkdesk deleted it on "},
		{cmdAliceGoogle, "It was linked into " + cmdAliceDB + ", which linkdesk deleted with it on "},
	} {
		r := runCmd(t, nil, "show", tc.id)
		if r.code != exitFailure || !strings.Contains(r.errOut, "No account matches "+tc.id) || !strings.Contains(r.errOut, tc.says) ||
			!strings.Contains(r.errOut, ", by operator-ann (op_id "+op+"): `linkdesk undo "+op+"` undoes the deletion.") {
			t.Errorf("show %s of an account linkdesk deleted: exit %d\n%s%s", tc.id, r.code, r.out, r.errOut)
		}
		r = runCmd(t, nil, "show", tc.id, "--json")
		var got struct {
			Accounts []json.RawMessage `json:"accounts"`
			Deleted  *struct {
				UserID   string `json:"user_id"`
				OpID     string `json:"op_id"`
				At       string `json:"at"`
				Operator string `json:"operator"`
				Undo     string `json:"undo"`
			} `json:"deleted"`
		}
		oneJSONValue(t, r, &got)
		if r.code != exitFailure || got.Accounts == nil || len(got.Accounts) != 0 || got.Deleted == nil || got.Deleted.UserID != cmdAliceDB ||
			got.Deleted.OpID != op || got.Deleted.Undo != "linkdesk undo "+op || got.Deleted.Operator != "operator-ann" || got.Deleted.At == "" {
			t.Errorf("show %s --json of an account linkdesk deleted: exit %d\n%s", tc.id, r.code, r.out)
		}
	}
	if r := runCmd(t, nil, "show", "auth0|nobody"); r.code != exitFailure || strings.Contains(r.errOut, "deleted") {
		t.Errorf("show of an account never there: exit %d\n%s", r.code, r.errOut)
	}
	mustRun(t, "undo", op, "--force")
	if r := runCmd(t, nil, "show", cmdAliceDB); r.code != exitOK || strings.Contains(r.errOut, "deleted") {
		t.Errorf("show after the undo: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// The undo made alice's database account again, not her Google identity,
	// which Auth0 alone makes again at her next login: show of it says so,
	// and names no undo that would be refused now (tester: it said "undoes
	// the deletion", whose undo was refused not_undoable_now).
	made := e.opIDOf("create_user")
	r := runCmd(t, nil, "show", cmdAliceGoogle)
	if want := "It was linked into " + cmdAliceDB + ", which linkdesk deleted with it on "; r.code != exitFailure || !strings.Contains(r.errOut, want) ||
		!strings.Contains(r.errOut, "; its undo made "+cmdAliceDB+" again on ") || !strings.Contains(r.errOut, "(op_id "+made+"), but not this identity: Auth0 alone makes a google-oauth2 identity again, at the person's next login with it, as an account of its own; after that login, `linkdesk undo "+op+"` links it back into "+cmdAliceDB+".") ||
		strings.Contains(r.errOut, "undoes the deletion") {
		t.Errorf("show of the identity once the undo made its primary again: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runCmd(t, nil, "undo", op); r.code != exitRefused || !strings.Contains(r.errOut, "not_undoable_now") {
		t.Errorf("the undo before the identity's login: exit %d\n%s", r.code, r.errOut)
	}
	r = runCmd(t, nil, "show", cmdAliceGoogle, "--json")
	var got struct {
		Deleted *struct {
			UserID    string `json:"user_id"`
			OpID      string `json:"op_id"`
			MadeAgain *struct {
				OpID string `json:"op_id"`
				At   string `json:"at"`
			} `json:"made_again"`
			WaitsForLogin bool `json:"waits_for_login"`
		} `json:"deleted"`
	}
	oneJSONValue(t, r, &got)
	if d := got.Deleted; r.code != exitFailure || d == nil || d.UserID != cmdAliceDB || d.OpID != op || d.MadeAgain == nil || d.MadeAgain.OpID != made || d.MadeAgain.At == "" || !d.WaitsForLogin {
		t.Errorf("show --json of the identity once the undo made its primary again: exit %d\n%s", r.code, r.out)
	}
	if err := connectEnv(t, e).DeleteUser(t.Context(), cmdAliceDB); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(t, nil, "show", cmdAliceDB); r.code != exitFailure || strings.Contains(r.errOut, "linkdesk deleted") {
		t.Errorf("show of an account made again by the undo, then deleted elsewhere: exit %d\n%s", r.code, r.errOut)
	}
}

// A family member linkdesk deleted is found by what a support engineer
// has at hand, not only by its user id: its username, its phone number
// (without its country code too), its email; each points to the deletion
// as the user id does (tester: show emma.miller said only "No account
// matches", while audit --user emma.miller found the deletion). A part of
// a name points to nothing.
func TestShowOfADeletedAccountByItsUsernamePhoneOrEmailPointsToTheDeletion(t *testing.T) {
	const emma = "auth0|64b7ca01e0f1a2b3c4d5e6f8"
	e := newWriteEnv(t)
	ops := map[string]string{}
	for _, id := range []string{emma, cmdSMS, cmdSam} {
		mustRun(t, "delete", id, "--force", "--reason", "ZD-12")
		ops[id] = e.opIDOf("delete")
	}
	for _, tc := range []struct{ query, id, named string }{
		{"emma.miller", emma, emma + " (username emma.miller)"},
		{"Emma.Miller", emma, emma + " (username emma.miller)"},
		{"(415) 555-0123", cmdSMS, cmdSMS + " (phone_number +14155550123)"},
		{"SAM.Taylor@gmail.com", cmdSam, cmdSam},
	} {
		r := runCmd(t, nil, "show", tc.query)
		want := fmt.Sprintf("%s named %s, which linkdesk deleted on ", tc.query, tc.named)
		undo := "`linkdesk undo " + ops[tc.id] + "` undoes the deletion."
		if r.code != exitFailure || !strings.Contains(r.errOut, "No account matches "+tc.query) || !strings.Contains(r.errOut, want) || !strings.Contains(r.errOut, undo) {
			t.Errorf("show %s of an account linkdesk deleted: exit %d\n%s%s", tc.query, r.code, r.out, r.errOut)
		}
		r = runCmd(t, nil, "show", tc.query, "--json")
		var got struct {
			Deleted *struct {
				UserID string `json:"user_id"`
				Undo   string `json:"undo"`
			} `json:"deleted"`
		}
		oneJSONValue(t, r, &got)
		if r.code != exitFailure || got.Deleted == nil || got.Deleted.UserID != tc.id || got.Deleted.Undo != "linkdesk undo "+ops[tc.id] {
			t.Errorf("show %s --json of an account linkdesk deleted: exit %d\n%s", tc.query, r.code, r.out)
		}
	}
	for _, q := range []string{"miller", "emma"} {
		if r := runCmd(t, nil, "show", q); r.code != exitFailure || strings.Contains(r.errOut, "deleted") {
			t.Errorf("show %s, a part of a name: exit %d\n%s", q, r.code, r.errOut)
		}
	}
}
