package cli

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// TestUndoOfAHalfDoneLinkTakesOnlyWhatItsOwnStepsGave: a link carried
// alice-google's metadata and role over, then stopped at her beta
// membership (the tenant refused it); a later link of the same pair added
// the membership and linked. Undoing the first takes nothing it did not
// give: no DELETE of the beta membership, which the later link made. And
// as the secondary is linked now, the role it gave is the person's only
// hold on it: a conflict, refused without --overwrite.
func TestUndoOfAHalfDoneLinkTakesOnlyWhatItsOwnStepsGave(t *testing.T) {
	e := newAccessEnv(t)
	refusing := refuseCalls(t, e, func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/members")
	})
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force"); r.code == exitOK {
		t.Fatalf("the link went through: %s", r.out)
	}
	roles := e.opIDOf("assign_roles")
	refusing.Store(false)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--no-merge-metadata", "--force")
	if orgs := organizationsOf(e, cmdAliceDB); !slices.Contains(orgs, "org_beta") {
		t.Fatalf("the later link did not add the beta membership: %v", orgs)
	}

	r := runCmd(t, nil, "undo", roles)
	if r.code != exitRefused || !strings.Contains(r.out+r.errOut, "only hold on them") || !strings.Contains(r.out, "the link itself was never made") {
		t.Errorf("undo of the half-done link: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	r = runCmd(t, nil, "undo", roles, "--force", "--overwrite")
	if strings.Contains(r.out, "org_beta") {
		t.Errorf("the undo takes the membership the later link gave:\n%s", r.out)
	}
	if orgs := organizationsOf(e, cmdAliceDB); !slices.Contains(orgs, "org_beta") {
		t.Errorf("after the undo with --overwrite, alice's organizations are %v: the later link's beta membership is gone", orgs)
	}
}

// organizationsOf are the ids of the organizations the user is a member of.
func organizationsOf(e *writeEnv, userID string) []string {
	for _, u := range e.srv.Snapshot().Users {
		if u.UserID == userID {
			return u.Organizations
		}
	}
	return nil
}

// refuseCalls points AUTH0_DOMAIN at e's tenant through a proxy that
// answers 400 to the requests match picks while the flag it returns is
// set (it starts set), as a tenant refusing a call does.
func refuseCalls(t *testing.T, e *writeEnv, match func(*http.Request) bool) *atomic.Bool {
	t.Helper()
	inner := e.srv.Handler()
	refusing := new(atomic.Bool)
	refusing.Store(true)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusing.Load() && match(r) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"statusCode":400,"error":"Bad Request","message":"Unable to do that"}`))
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("AUTH0_DOMAIN", proxy.URL)
	return refusing
}
