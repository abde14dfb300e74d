package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
)

// Ctrl-C during `linkdesk resume`, with two plans to settle, ends it after
// the first: it exits 1 and says how many plans it did not reach, never
// "Done" alone.
func TestResumeInterruptedSaysWhatItLeft(t *testing.T) {
	e := newWriteEnv(t)
	var cancelRead atomic.Pointer[context.CancelFunc]
	lost := lossyTenant(t, e, func(r *http.Request) {
		if c := cancelRead.Load(); c != nil && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v2/users/") {
			(*c)() // Ctrl-C while resume reads the first plan's account
		}
	})

	for _, args := range [][]string{
		{"link", cmdAliceDB, cmdAliceGoogle, "--no-merge-metadata", "--force"},
		{"delete", cmdMike, "--force"},
	} {
		if r := runCmd(t, nil, args...); r.code == exitOK {
			t.Fatalf("%v went through with its answer lost: %s", args, r.out)
		}
		lost.Store(false)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelRead.Store(&cancel)
	var out, errOut bytes.Buffer
	io := &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, terminal: func(any) bool { return false }}
	code := runContext(ctx, []string{"resume", "--force"}, io)
	if code != exitFailure || !strings.Contains(errOut.String(), "1 more plan is not settled; run `linkdesk resume` again") {
		t.Errorf("resume interrupted: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	cancelRead.Store(nil)
	// The first plan's settling read may have had its answer before the
	// Ctrl-C reached it (then it is settled already, and the second run
	// settles the other alone): the second run settles what is left, and
	// nothing is left after it.
	r := runCmd(t, nil, "resume", "--force")
	if settled := strings.Count(r.out, "settled op1."); r.code != exitOK || settled < 1 || settled > 2 || !strings.Contains(r.out, "op1.delete") {
		t.Errorf("resume again: exit %d, %d calls settled\n%s%s", r.code, settled, r.out, r.errOut)
	}
	if r := runCmd(t, nil, "resume"); r.code != exitOK || !strings.Contains(r.out, "Nothing to settle") {
		t.Errorf("resume a third time: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// lossyTenant serves e's sandbox through a proxy whose network goes once a
// link or a deletion reaches the tenant: the write acts, and nothing answers
// it or anything after it, not even a read, until the test brings the
// network back (the flag it returns, set false). before, when set, sees
// each request first.
func lossyTenant(t *testing.T, e *writeEnv, before func(*http.Request)) *atomic.Bool {
	t.Helper()
	inner := e.srv.Handler()
	lost := new(atomic.Bool)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		drop := func() {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		}
		if before != nil {
			before(r)
		}
		switch {
		case lost.Load() && r.URL.Path != "/oauth/token":
			drop()
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/identities"), r.Method == http.MethodDelete:
			inner.ServeHTTP(httptest.NewRecorder(), r)
			lost.Store(true)
			drop()
		default:
			inner.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("AUTH0_DOMAIN", proxy.URL)
	return lost
}

// A deletion cut off during its call, the account made again since with
// the same user id (with other data, or the same: an import, an admin):
// it is not the account the plan read, so whether the deletion took effect
// is not taken as "not made", and the plan never makes it again. resume
// says so, and neither shows it as a call to make nor offers --force for
// it; --force exits 1 saying the same, and nothing is deleted (testers:
// an account made again the same was offered for deletion, and the audit
// log recorded the deletion that took effect as not made).
func TestResumeOffersNothingItWillNotMake(t *testing.T) {
	for name, meta := range map[string]map[string]any{"other data": {"made": "again"}, "the same data": nil} {
		t.Run(name, func(t *testing.T) {
			e := newWriteEnv(t)
			mike, err := connectEnv(t, e).User(t.Context(), cmdMike)
			if err != nil {
				t.Fatal(err)
			}
			lost := lossyTenant(t, e, nil)
			if r := runCmd(t, nil, "delete", cmdMike, "--force"); r.code == exitOK {
				t.Fatalf("the deletion went through with its answer lost: %s", r.out)
			}
			lost.Store(false)
			if meta == nil {
				meta = mike.UserMetadata
			}
			verified := mike.EmailVerified
			if _, err := connectEnv(t, e).CreateUser(t.Context(), client.NewUser{Connection: "family-accounts", UserID: "64b7c8d9e0f1a2b3c4d5e6f7",
				Email: mike.Email, EmailVerified: &verified, Username: mike.Username, Password: "a-new-Passw0rd!", UserMetadata: meta, AppMetadata: mike.AppMetadata}); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"resume"}, {"resume", "--force"}, {"resume", "--json"}, {"resume", "--force", "--json"}} {
				r := runCmd(t, nil, args...)
				all := r.out + r.errOut
				want := exitOK
				if slices.Contains(args, "--force") {
					want = exitFailure
				}
				if slices.Contains(args, "--json") {
					// stdout holds one JSON value, saying it (tester: nothing).
					var got struct {
						Plan    string `json:"plan_id"`
						Message string `json:"message"`
					}
					if values := jsonValues(t, r.out); len(values) != 1 || json.Unmarshal(values[0], &got) != nil || got.Plan == "" ||
						!strings.HasPrefix(got.Message, "nothing remains that finishing could make") {
						t.Errorf("%q: stdout is not one JSON value saying it:\n%s", args, r.out)
					}
				}
				if r.code != want || !strings.Contains(all, "nothing remains that finishing could make") || strings.Contains(all, "Run again with --force") || strings.Contains(all, "DELETE /api/v2/users") {
					t.Errorf("%q: exit %d, want %d\n%s", args, r.code, want, all)
				}
			}
			if !e.exists(cmdMike) {
				t.Error("resume deleted the account made again")
			}
			// A call this plan never makes again holds no account: a new
			// write on it is not sent back to a resume that cannot help.
			if r := runCmd(t, nil, "ticket", cmdMike); r.code != exitOK || strings.Contains(r.errOut, "unsettled_write") {
				t.Errorf("a write on the account made again is refused:\n%s", r.errOut)
			}
			for _, rec := range e.auditRecords() {
				if rec.Action == "delete" && rec.Phase == audit.PhaseResult && rec.Result == audit.ResultError {
					t.Errorf("the deletion is recorded as not made: %+v", rec)
				}
			}
			if r := runCmd(t, nil, "resume", "--discard", "--force"); r.code != exitOK || !strings.Contains(r.out, "discarded") {
				t.Errorf("resume --discard --force: exit %d\n%s%s", r.code, r.out, r.errOut)
			}
		})
	}
}

// Ctrl-C while a link reads its accounts again before its last call (its
// metadata merge made) stops it between calls: the summary says what
// finishes it, as an apply cut off between calls says it (tester: a link
// and an apply stopped in such a read said only how to undo them).
func TestAWriteCutOffInTheReadBeforeACallSaysHowToFinishIt(t *testing.T) {
	e := newWriteEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var patched atomic.Bool
	lost := lossyTenant(t, e, func(r *http.Request) {
		switch {
		case r.Method == http.MethodPatch:
			patched.Store(true)
		case patched.Load() && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v2/users/"):
			cancel() // Ctrl-C as the link step reads the accounts again
		}
	})
	lost.Store(false)
	var out, errOut bytes.Buffer
	io := &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, terminal: func(any) bool { return false }}
	code := runContext(ctx, []string{"link", cmdAliceDB, cmdAliceGoogle, "--force"}, io)
	if code == exitOK || !strings.Contains(out.String(), "Stopped after 1 of 2 calls") {
		t.Fatalf("the link was not cut off after its merge: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "To finish it: `linkdesk resume --force plan-") {
		t.Errorf("the link cut off between calls does not say how to finish it:\n%s%s", out.String(), errOut.String())
	}
}
