package cli

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
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

// The undo of a deletion stopped after it made the account again (the
// tenant refused to make again the identity linked into it): running it
// again makes the rest, and is not refused as an operation taken apart
// already (already_undone counts the account's own re-creation, not its
// identities', reviewer).
func TestTheRestOfAPartlyDoneUndoOfADeletionIsMadeWhenRunAgain(t *testing.T) {
	const imported = "auth0|5e8f9a0b1c2d3e4f50617283"
	e := newWriteEnv(t)
	refusing := refuseCalls(t, e, func(r *http.Request) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v2/users" {
			return false
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		return strings.Contains(string(body), strings.TrimPrefix(imported, "auth0|"))
	})
	mustRun(t, "link", cmdSam, imported, "--force", "--allow-different-emails")
	mustRun(t, "delete", cmdSam, "--force")
	deletion := e.opIDOf("delete")
	if r := runCmd(t, nil, "undo", deletion, "--force"); r.code == exitOK || !e.exists(cmdSam) {
		t.Fatalf("the first undo: exit %d, %s made again: %v\n%s%s", r.code, cmdSam, e.exists(cmdSam), r.out, r.errOut)
	}
	refusing.Store(false)
	r := runCmd(t, nil, "undo", deletion, "--force")
	if r.code != exitOK || strings.Contains(r.errOut, "already_undone") {
		t.Fatalf("the undo run again: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if u, _ := e.srv.GetUser(cmdSam); u == nil || !slices.ContainsFunc(u.Identities, func(id emulator.Identity) bool { return id.UserID.Value == strings.TrimPrefix(imported, "auth0|") }) {
		t.Errorf("%s is not linked back into %s: %+v", imported, cmdSam, u)
	}
}

// A link taken apart by a plain unlink, the pair linked again by another
// link since: the first link's undo would take the second apart in its
// name; refused (already_undone), naming the second, as when an undo took
// the first apart (reviewer).
func TestALinkUnlinkedByHandAndLinkedAgainIsNotUndoneOverTheNewLink(t *testing.T) {
	e := newAccessEnv(t)
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	first := e.opIDOf("link")
	mustRun(t, "unlink", cmdAliceDB, "google-oauth2", strings.TrimPrefix(cmdAliceGoogle, "google-oauth2|"), "--force")
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	again := e.opIDOf("link")
	writes := e.userWrites()
	r := runCmd(t, nil, "undo", first, "--force", "--overwrite")
	if r.code != exitRefused || !strings.Contains(r.errOut, "already_undone") || !strings.Contains(r.errOut, "by the unlink call") || !strings.Contains(r.errOut, "linkdesk undo "+again) || e.userWrites() != writes {
		t.Errorf("undo of the first link: exit %d, want %d naming the unlink and %s\n%s%s", r.code, exitRefused, again, r.out, r.errOut)
	}
}

// Undone newest first, each undo goes through: a link taken apart by an
// unlink whose own undo linked the pair again stands as the link made it,
// and its undo unlinks it; an unlink taken apart by a link whose undo
// unlinked the pair again stands too, and its undo links it (tester: both
// were refused as taken apart already, naming an undo's call, which cannot
// be undone).
func TestOperationsUndoneNewestFirstAreEachUndone(t *testing.T) {
	google := strings.TrimPrefix(cmdAliceGoogle, "google-oauth2|")
	t.Run("a link, its unlink undone", func(t *testing.T) {
		e := newAccessEnv(t)
		before := tenantPeople(e.srv)
		mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
		link := e.opIDOf("link")
		mustRun(t, "unlink", cmdAliceDB, "google-oauth2", google, "--force")
		mustRun(t, "undo", e.opIDOf("unlink"), "--force")
		mustRun(t, "undo", link, "--force")
		if diff := peopleDiff(before, tenantPeople(e.srv)); diff != "" {
			t.Errorf("after both undos the tenant is not as before:\n%s", diff)
		}
	})
	t.Run("an unlink, the link after it undone", func(t *testing.T) {
		e := newAccessEnv(t)
		mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force", "--no-merge-metadata")
		mustRun(t, "unlink", cmdAliceDB, "google-oauth2", google, "--force")
		unlink := e.opIDOf("unlink")
		mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force", "--no-merge-metadata")
		mustRun(t, "undo", e.opIDOf("link"), "--force")
		mustRun(t, "undo", unlink, "--force")
		if e.exists(cmdAliceGoogle) {
			t.Errorf("the undo of the unlink did not link %s again", cmdAliceGoogle)
		}
	})
}
