package linking_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// searchRoute is user search, the one eventually consistent read.
const searchRoute = "GET /api/v2/users"

// searches is how many user searches the tenant has answered.
func (sb *sandbox) searches() int64 { return sb.srv.Stats().Requests[searchRoute] }

// searchIDs are the user ids the tenant's user search answers for q, asked
// directly over HTTP (not through linkdesk's client, which confirms every
// search hit by id).
func (sb *sandbox) searchIDs(q string) []string {
	sb.t.Helper()
	var users []struct {
		UserID string `json:"user_id"`
	}
	path := "/api/v2/users?" + url.Values{"q": {q}, "search_engine": {"v3"}}.Encode()
	sb.call("GET", path, "", http.StatusOK, &users)
	var ids []string
	for _, u := range users {
		ids = append(ids, u.UserID)
	}
	return ids
}

// call sends method path (body as JSON unless "") to the tenant with a
// token of its client, without linkdesk's client, and decodes the answer,
// which must have status, into out (if not nil): see emulatortest.Call.
func (sb *sandbox) call(method, path, body string, status int, out any) {
	sb.t.Helper()
	token := emulatortest.Token(sb.t, sb.base, sb.srv.ClientID(), sb.srv.ClientSecret(), "")
	emulatortest.Call(sb.t, sb.base, token, method, path, body, status, out)
}

// stale fails the test unless user search still shows id under email:
// the race is only played while search has not caught up.
func (sb *sandbox) stale(email, id string) {
	sb.t.Helper()
	if got := sb.searchIDs(`email:"` + client.EscapeLucenePhrase(email) + `"`); !slices.Contains(got, id) {
		sb.t.Fatalf("search caught up at once (%v lacks %s): the race is not played", got, id)
	}
}

// groupAccounts are the user ids a scan of one address reports.
func (sb *sandbox) groupAccounts(email string) []string {
	sb.t.Helper()
	r, err := scan.Tenant(context.Background(), sb.tenant, scan.Request{Email: email})
	if err != nil {
		sb.t.Fatal(err)
	}
	var ids []string
	for _, g := range r.Groups {
		if g.Email == email {
			for _, a := range g.Accounts {
				ids = append(ids, a.UserID)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// TestSearchLagNeverDecidesAWrite plays the races between scanning, acting
// and searching again on a tenant whose search shows a write only an hour
// later (linkdesk emulator --search-lag 1h), and shows that linkdesk
// decides every write from reads by id: a scan built on stale search
// results plans nothing from them, an apply sends no search at all, and a
// scan made again before search caught up cannot plan a second link.
func TestSearchLagNeverDecidesAWrite(t *testing.T) {
	ctx := context.Background()

	t.Run("the secondary was linked elsewhere before the scan", func(t *testing.T) {
		sb := newSandbox(t, emulator.Options{SearchLag: time.Hour})
		email := sb.mustUser(aliceDB).Email
		// Another operator links alice's google account into wei.
		if _, err := sb.tenant.Link(ctx, weiDB, client.LinkTarget{Provider: "google-oauth2", UserID: strings.TrimPrefix(aliceGoogle, "google-oauth2|")}); err != nil {
			t.Fatal(err)
		}
		// Search still shows it as alice's duplicate; linkdesk's scan, which
		// confirms every search hit by id, does not: no group to plan.
		sb.stale(email, aliceGoogle)
		if got := sb.groupAccounts(email); len(got) != 0 {
			t.Errorf("the scan reports %v", got)
		}
		// A group scanned before the link, planned after it: planning reads
		// every account by id and refuses.
		g := &linking.Group{Email: email, Class: linking.ClassLinkCandidate, RecommendedPrimary: aliceDB,
			Accounts: []*linking.Account{{UserID: aliceDB}, {UserID: aliceGoogle}}}
		_, err := linking.PlanGroup(ctx, sb.tenant, g, "", sb.conns(), linking.LinkOptions{})
		refusal(t, err, linking.CheckUserMissing)
		if n := sb.srv.Stats().Requests[linkRoute]; n != 1 {
			t.Errorf("%d link requests, want only the other operator's", n)
		}
	})

	t.Run("the group changed between plan and apply", func(t *testing.T) {
		for _, change := range []struct {
			name string
			do   func(sb *sandbox)
		}{
			{"secondary linked elsewhere", func(sb *sandbox) {
				if _, err := sb.tenant.Link(ctx, weiDB, client.LinkTarget{Provider: "google-oauth2", UserID: strings.TrimPrefix(aliceGoogle, "google-oauth2|")}); err != nil {
					sb.t.Fatal(err)
				}
			}},
			{"secondary deleted", func(sb *sandbox) {
				if err := sb.tenant.DeleteUser(ctx, aliceGoogle); err != nil {
					sb.t.Fatal(err)
				}
			}},
			{"secondary's metadata changed", func(sb *sandbox) {
				if _, err := sb.tenant.UpdateMetadata(ctx, aliceGoogle, map[string]any{"new": 1}, nil); err != nil {
					sb.t.Fatal(err)
				}
			}},
		} {
			t.Run(change.name, func(t *testing.T) {
				sb := newSandbox(t, emulator.Options{SearchLag: time.Hour})
				email := sb.mustUser(aliceDB).Email
				ops, err := linking.PlanGroup(ctx, sb.tenant, sb.group(email), "", sb.conns(), linking.LinkOptions{})
				if err != nil {
					t.Fatal(err)
				}
				p := sb.plan(ops...)
				change.do(sb)
				sb.stale(email, aliceGoogle)
				searches, writes := sb.searches(), len(sb.writesSent())
				res, err := sb.executor().Apply(ctx, p)
				refusal(t, err, linking.CheckChangedSincePlan)
				if n := len(sb.writesSent()) - writes; n != 0 {
					t.Errorf("%d writes after the change", n)
				}
				if n := sb.searches() - searches; n != 0 {
					t.Errorf("the apply searched %d times", n)
				}
				if res.Steps[0].Status != linking.StatusRefused {
					t.Errorf("report %+v", res.Steps)
				}
			})
		}
	})

	t.Run("an apply's own links, then a scan before search caught up", func(t *testing.T) {
		sb := newSandbox(t, emulator.Options{SearchLag: time.Hour})
		email := sb.mustUser(weiDB).Email
		// Wei has three accounts: two links into one primary, the second
		// decided after the first, which search does not show yet.
		ops, err := linking.PlanGroup(ctx, sb.tenant, sb.group(email), weiDB, sb.conns(), linking.LinkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p := sb.plan(ops...)
		searches := sb.searches()
		res := sb.apply(p)
		if n := res.Count(linking.StatusDone); n != len(p.Operations) {
			t.Fatalf("%d of %d steps done: %+v", n, len(p.Operations), res.Steps)
		}
		if n := sb.searches() - searches; n != 0 {
			t.Errorf("the apply searched %d times", n)
		}
		primary := sb.mustUser(weiDB)
		if len(primary.Identities) != 3 {
			t.Fatalf("wei's identities after the apply: %+v", primary.Identities)
		}
		// Searching again: search still shows the linked accounts as
		// users of their own; linkdesk's scan does not, and planning from
		// the old group reads each account by id and refuses, so no second
		// link is attempted.
		sb.stale(email, weiGoogle)
		sb.stale(email, weiGitHub)
		if got := sb.groupAccounts(email); len(got) != 0 {
			t.Errorf("the scan after the apply reports %v", got)
		}
		links := sb.srv.Stats().Requests[linkRoute]
		old := &linking.Group{Email: email, Class: linking.ClassLinkCandidate, RecommendedPrimary: weiDB,
			Accounts: []*linking.Account{{UserID: weiDB}, {UserID: weiGoogle}, {UserID: weiGitHub}}}
		_, err = linking.PlanGroup(ctx, sb.tenant, old, weiDB, sb.conns(), linking.LinkOptions{})
		refusal(t, err, linking.CheckUserMissing)
		if n := sb.srv.Stats().Requests[linkRoute]; n != links {
			t.Errorf("%d more link requests", n-links)
		}
		sb.checkRecord()
	})
}
