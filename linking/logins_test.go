package linking_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// TestAccountsThatNeverLoggedInHaveNoLoginsCount follows a duplicate made
// through the Management API, which has no logins_count until its first
// login (as Auth0 answers), through its first logins, by both ways of
// scanning (search by email, and the export): it is no primary while it
// has no logins (it counts as none, not as unknown), and the Account Link
// Extension missed the group only once it has logged in twice.
func TestAccountsThatNeverLoggedInHaveNoLoginsCount(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, emulator.Options{})
	const email, social = "noah.kim@gmail.com", "google-oauth2|117777777777777777777" // one login
	sb.call("POST", "/api/v2/users",
		`{"connection":"Username-Password-Authentication","email":"`+email+`","email_verified":true,"password":"a long password"}`, http.StatusCreated, nil)
	dbUser := ""
	for _, u := range sb.srv.Snapshot().Users {
		if u.Email == email && u.UserID != social {
			dbUser = u.UserID
			if u.HasLoginsCount {
				t.Fatalf("%s has a logins_count before its first login", u.UserID)
			}
		}
	}
	login := func() {
		form := url.Values{"grant_type": {"password"}, "client_id": {sb.srv.ClientID()}, "client_secret": {sb.srv.ClientSecret()},
			"username": {email}, "password": {"a long password"}}
		resp, err := http.PostForm(sb.base+"/oauth/token", form)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("login: %v %v", resp.Status, err)
		}
		resp.Body.Close()
	}
	scans := func() map[string]*linking.Group {
		byEmail, err := scan.Tenant(ctx, sb.tenant, scan.Request{Email: email})
		if err != nil {
			t.Fatal(err)
		}
		full, err := scan.Tenant(ctx, sb.tenant, scan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*linking.Group{}
		for name, r := range map[string]*linking.Report{"search": byEmail, "export": full} {
			for _, g := range r.Groups {
				if g.Email == email {
					out[name] = g
				}
			}
			if out[name] == nil {
				t.Fatalf("%s scan: no group for %s", name, email)
			}
		}
		return out
	}
	logins := 0
	for _, step := range []struct {
		logins  int // the database account's, after this step
		primary string
		missed  bool
	}{
		{0, social, false}, // never logged in: no logins_count
		{1, dbUser, false}, // its first login: the extension can still act; the logins tie, the newer login wins
		{2, dbUser, true},  // a second login: the extension missed it for good
	} {
		for ; logins < step.logins; logins++ {
			login()
		}
		for name, g := range scans() {
			if g.Class != linking.ClassLinkCandidate || g.RecommendedPrimary != step.primary || g.MissedByExtension != step.missed {
				t.Errorf("%d logins, %s scan: class %s, primary %s, missed %t; want link_candidate, %s, %t",
					step.logins, name, g.Class, g.RecommendedPrimary, g.MissedByExtension, step.primary, step.missed)
			}
			for _, a := range g.Accounts {
				if a.UserID == dbUser && a.LoginsCount != int64(step.logins) {
					t.Errorf("%s scan reads %d logins for %s, want %d", name, a.LoginsCount, dbUser, step.logins)
				}
			}
		}
	}
}

// An account with logins but no date of its last (an import, a fixture)
// has an unknown last login, never "never".
func TestALastLoginWithoutADateIsUnknownOnceTheAccountHasLogins(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		logins int64
		last   time.Time
		want   string
	}{{0, time.Time{}, "never"}, {30, time.Time{}, "unknown"}, {3, at, "2024-05-01"}} {
		if got := linking.LastLoginDay(tt.logins, tt.last); got != tt.want {
			t.Errorf("%d logins, last %v: %q, want %q", tt.logins, tt.last, got, tt.want)
		}
	}
}
