package cli

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
)

// cmdEmma is emma.miller, a database account of the Millers' family.
const cmdEmma = "auth0|64b7ca01e0f1a2b3c4d5e6f8"

// linkAndTicketCutOff leaves two plans unsettled on e's tenant (an
// access env: newAccessEnv), as a tester did with two `kill -9`: alice's
// link, cut off with the network once its merge and role were made (as
// linkCutAfterItsRole), and a ticket for emma whose answer was lost. It
// returns their plan ids and what the ticket printed.
func linkAndTicketCutOff(t *testing.T, e *writeEnv) (linkPlan, ticketPlan string, ticket cmdRun) {
	t.Helper()
	return linkAndTicketCutOffVia(t, e, e.srv.Handler())
}

// linkAndTicketCutOffVia is linkAndTicketCutOff with e's tenant served by
// inner.
func linkAndTicketCutOffVia(t *testing.T, e *writeEnv, inner http.Handler) (linkPlan, ticketPlan string, ticket cmdRun) {
	t.Helper()
	lost := new(atomic.Bool)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		drop := func() {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		}
		switch {
		case lost.Load() && r.URL.Path != "/oauth/token":
			drop()
		case r.Method == http.MethodPost && r.URL.Path == "/api/v2/tickets/password-change":
			inner.ServeHTTP(httptest.NewRecorder(), r) // made; its answer (the URL) never comes
			drop()
		default:
			inner.ServeHTTP(w, r)
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/roles") {
				lost.Store(true)
			}
		}
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("AUTH0_DOMAIN", proxy.URL) // one address: one tenant
	if r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle, "--force"); r.code == exitOK {
		t.Fatalf("the link went through with the network lost:\n%s", r.out)
	}
	lost.Store(false)
	ticket = runCmd(t, nil, "ticket", cmdEmma, "--force")
	if ticket.code == exitOK {
		t.Fatalf("the ticket went through with its answer lost:\n%s", ticket.out)
	}
	for _, r := range e.auditRecords() {
		switch {
		case linkPlan == "":
			linkPlan = r.PlanID // the link's merge, its first call
		case r.Action == "ticket" && ticketPlan == "":
			ticketPlan = r.PlanID
		}
	}
	if ticketPlan == "" || ticketPlan == linkPlan {
		t.Fatalf("the audit log holds no ticket: %+v", e.auditRecords())
	}
	return linkPlan, ticketPlan, ticket
}

// Two writes cut off, alice's link and emma's ticket: every piece of
// advice about one of them names the resume of that plan alone (tester:
// "linkdesk resume --discard --force", printed under emma's ticket and in
// the refusal of a new one, discarded alice's link too, with emma's
// reason), and `resume PLAN_ID` acts on that plan alone; an id resume does
// not list is a usage error naming those it lists.
func TestResumeOfOnePlanActsOnItAloneAndAdviceNamesIt(t *testing.T) {
	e := newAccessEnv(t)
	linkPlan, ticketPlan, ticket := linkAndTicketCutOff(t, e)
	if want := "`linkdesk resume --force " + ticketPlan + "` makes a new one and shows its URL, `linkdesk resume --discard --force " + ticketPlan + "` leaves it"; !strings.Contains(ticket.out, want) {
		t.Errorf("the ticket cut off does not say %q:\n%s", want, ticket.out)
	}

	dry := runCmd(t, nil, "resume")
	for _, want := range []string{
		"To leave them undone for good: linkdesk resume --discard --force " + linkPlan + "\n",
		"Run `linkdesk resume --force " + linkPlan + "` to make these calls (or `linkdesk resume " + linkPlan + "` on a terminal, to be asked).",
		"To make it no more (it may have gone out already): linkdesk resume --discard --force " + ticketPlan + "\n",
		"Run `linkdesk resume --force " + ticketPlan + "` to make this call",
	} {
		if !strings.Contains(dry.errOut, want) {
			t.Errorf("resume does not say %q:\n%s", want, dry.errOut)
		}
	}
	if strings.Contains(dry.errOut, "--force\n") || strings.Contains(dry.errOut, "Run again with --force") {
		t.Errorf("resume names a command of every plan as one plan's:\n%s", dry.errOut)
	}

	// The refusal of a new write of emma's account, in its JSON too.
	again := runCmd(t, nil, "delete", cmdEmma, "--force", "--json")
	var refused struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	oneJSONValue(t, again, &refused)
	want := "run `linkdesk resume --force " + ticketPlan + "` to make it again or `linkdesk resume --discard --force " + ticketPlan + "` to leave it"
	if again.code != exitRefused || refused.Error.Code != "unsettled_write" || !strings.Contains(refused.Error.Message, want) || !strings.Contains(again.errOut, want) {
		t.Errorf("a deletion of emma: exit %d, want its refusal to say %q\n%s%s", again.code, want, again.out, again.errOut)
	}

	bogus := runCmd(t, nil, "resume", "--discard", "--force", "plan-20261201T000000Z-000000000000")
	if bogus.code != exitUsage || !strings.Contains(bogus.errOut, "the 2 left to settle there are:\n  plan "+linkPlan+" (link ") ||
		!strings.Contains(bogus.errOut, "\n  plan "+ticketPlan+" (ticket ") {
		t.Errorf("resume of a plan id it does not list: exit %d\n%s%s", bogus.code, bogus.out, bogus.errOut)
	}
	if blank := runCmd(t, nil, "resume", "--discard", "--force", " "); blank.code != exitUsage || !strings.Contains(blank.errOut, "the PLAN_ID argument is empty") {
		t.Errorf("resume of a blank plan id: exit %d\n%s%s", blank.code, blank.out, blank.errOut)
	}

	d := runCmd(t, nil, "resume", "--discard", "--force", "--reason", "ZD-11 drop emma ticket", ticketPlan)
	if d.code != exitOK || !strings.Contains(d.out, "discarded: op1.ticket is not made again") || strings.Contains(d.out, linkPlan) {
		t.Fatalf("resume --discard --force of the ticket's plan: exit %d\n%s%s", d.code, d.out, d.errOut)
	}
	var discards []audit.Record
	for _, r := range e.auditRecords() {
		if r.Action == audit.ActionDiscard {
			discards = append(discards, r)
		}
	}
	if len(discards) != 1 || discards[0].Discards != ticketPlan+"/op1" || discards[0].Reason != "ZD-11 drop emma ticket" {
		t.Errorf("the discards on record: %+v; want the ticket's alone", discards)
	}
	if left := runCmd(t, nil, "resume"); !strings.Contains(left.out, "plan "+linkPlan+" (link ") || strings.Contains(left.out, ticketPlan) {
		t.Errorf("after the ticket's discard, resume lists:\n%s", left.out)
	}
	if done := runCmd(t, nil, "resume", ticketPlan); done.code != exitOK || !strings.Contains(done.out, "Nothing to settle of plan "+ticketPlan+" on ") {
		t.Errorf("resume of the plan discarded: exit %d\n%s%s", done.code, done.out, done.errOut)
	}
}

// typedLines is what an operator types on a terminal in canonical mode:
// a read gets one line at most, as each question reads its answer apart.
type typedLines []string

func (t *typedLines) Read(p []byte) (int, error) {
	if len(*t) == 0 {
		return 0, io.EOF
	}
	n := copy(p, (*t)[0])
	if (*t)[0] = (*t)[0][n:]; (*t)[0] == "" {
		*t = (*t)[1:]
	}
	return n, nil
}

// runTyped runs linkdesk with args on a terminal where answers are typed,
// one a question.
func runTyped(answers []string, args ...string) cmdRun {
	var out, errOut bytes.Buffer
	in := typedLines(answers)
	s := &streams{In: &in, Out: &out, ErrOut: &errOut}
	s.terminal = func(f any) bool { return f == s.In }
	code := run(args, s)
	return cmdRun{code, out.String(), errOut.String()}
}

// On a terminal, resume --discard of two plans asks of each in turn: n to
// the first and y to the second discards the second and exits 0, saying
// the first is left as it was (tester: exit 1, after "Not confirmed:
// nothing was changed." though the second was discarded and on record);
// n to both exits 1, nothing discarded. Without a terminal, the dry run
// ends saying the command without a plan id acts on both.
func TestResumeOfSeveralPlansExitsByWhatWasDone(t *testing.T) {
	e := newAccessEnv(t)
	linkPlan, ticketPlan, _ := linkAndTicketCutOff(t, e)
	discards := func() (out []string) {
		for _, r := range e.auditRecords() {
			if r.Action == audit.ActionDiscard {
				out = append(out, r.Discards)
			}
		}
		return out
	}

	// Without a terminal each is a dry run, naming the command of that
	// plan alone; the command without an id is said to act on both.
	dry := runCmd(t, nil, "resume", "--discard")
	if want := "\n`linkdesk resume --discard --force` without a plan id discards what remains of both plans above; `linkdesk resume --discard --force PLAN_ID` discards one alone.\n"; dry.code != exitOK || !strings.HasSuffix(dry.errOut, want) {
		t.Errorf("resume --discard without a terminal: exit %d, want its last line %q\n%s", dry.code, want, dry.errOut)
	}

	none := runTyped([]string{"n\n", "n\n"}, "resume", "--discard")
	if none.code != exitFailure || !strings.Contains(none.errOut, "Not confirmed: nothing was finished or discarded of the 2 plans.\n") || len(discards()) != 0 {
		t.Errorf("n to both: exit %d, discards %v\n%s", none.code, discards(), none.errOut)
	}

	r := runTyped([]string{"n\n", "y\n"}, "resume", "--discard", "--reason", "ZD-11 drop emma ticket")
	if got := discards(); len(got) != 1 || got[0] != ticketPlan+"/op1" {
		t.Fatalf("n then y: the discards on record are %v, want the ticket's alone (exit %d)\n%s%s", got, r.code, r.out, r.errOut)
	}
	for _, want := range []string{
		"Not confirmed: plan " + linkPlan + " is left as it was.\n",
		"\nNot confirmed, and left as it was: plan " + linkPlan + " (link google-oauth2|108812345678901234567); `linkdesk resume --discard " + linkPlan + "` asks again.\n",
	} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("n then y does not say %q:\n%s", want, r.errOut)
		}
	}
	if r.code != exitOK || strings.Contains(r.errOut, "nothing was changed") || !strings.Contains(r.out, "discarded: op1.ticket is not made again") {
		t.Errorf("n then y: exit %d, want 0\n%s%s", r.code, r.out, r.errOut)
	}
}

// Every write warns at start of the writes cut off, each with what
// resume does for it, by its plan alone: a link's call cut off is settled
// by reading the tenant; a ticket whose answer was lost, settled by resume
// as unknown, no read settles, only --force (a new ticket) or --discard
// --force (tester: every write still said "Run `linkdesk resume` to
// settle them by reading the tenant").
func TestAWriteWarnsOfEachWriteCutOffWithWhatResumeDoesForIt(t *testing.T) {
	e := newAccessEnv(t)
	linkPlan, ticketPlan, _ := linkAndTicketCutOff(t, e)
	ticketAdvice := "\n    Run `linkdesk resume --force " + ticketPlan + "` to make it again or `linkdesk resume --discard --force " + ticketPlan +
		"` to leave it (no read of the tenant tells whether it went out).\n"
	before := runCmd(t, nil, "delete", cmdSam)
	for _, want := range []string{
		"1 call with an unknown outcome, 1 call not made\n    Run `linkdesk resume " + linkPlan + "` to settle the call cut off by reading the tenant and finish or discard what is left.\n",
		ticketAdvice,
	} {
		if !strings.Contains(before.errOut, want) {
			t.Errorf("a write before resume does not say %q:\n%s", want, before.errOut)
		}
	}
	mustRun(t, "resume") // settles the link's merge (done) and the ticket (unknown)
	after := runCmd(t, nil, "delete", cmdSam)
	for _, want := range []string{
		"not made\n    Run `linkdesk resume " + linkPlan + "` to finish or discard ",
		"1 call that may have gone out (its answer was lost)" + ticketAdvice,
	} {
		if !strings.Contains(after.errOut, want) {
			t.Errorf("a write after resume does not say %q:\n%s", want, after.errOut)
		}
	}
	if strings.Contains(after.errOut, "by reading the tenant.") {
		t.Errorf("a write after resume says a read settles what none can:\n%s", after.errOut)
	}
}

// runNamed serves h with answers that name the sandbox run run holds: a
// `linkdesk emulator` started again at the same address, once run is set
// to another.
func runNamed(h http.Handler, run *atomic.Value) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(runNamedWriter{w, run.Load().(string)}, r)
	})
}

type runNamedWriter struct {
	http.ResponseWriter
	run string
}

func (w runNamedWriter) WriteHeader(code int) {
	w.Header().Set(emulator.RunHeader, w.run)
	w.ResponseWriter.WriteHeader(code)
}

func (w runNamedWriter) Write(b []byte) (int, error) {
	w.Header().Set(emulator.RunHeader, w.run) // before the header goes, if it has not
	return w.ResponseWriter.Write(b)
}

// A sandbox started again at the same address is another tenant: resume
// there has nothing to settle, and says what the run before left that it
// cannot settle or finish, whatever it left: a ticket settled as unknown,
// a link settled with its link not made (tester: "Nothing to settle" alone,
// as only a call cut off and not settled yet was counted). Given one of
// those plans, resume names the tenant it was run on.
func TestResumeOnASandboxStartedAgainNamesWhatTheRunBeforeLeft(t *testing.T) {
	e := newAccessEnv(t)
	run := new(atomic.Value)
	run.Store("aaaa1111")
	_, ticketPlan, _ := linkAndTicketCutOffVia(t, e, runNamed(e.srv.Handler(), run))
	mustRun(t, "resume") // settles both on the first run, and finishes neither
	run.Store("bbbb2222")
	addr := strings.TrimPrefix(os.Getenv("AUTH0_DOMAIN"), "http://")
	r := runCmd(t, nil, "resume")
	for _, want := range []string{
		"Nothing to settle on sandbox bbbb2222 (" + addr + "): ",
		"\n2 writes on sandbox aaaa1111 (" + addr + "), an earlier run of the sandbox at this address, did not finish as seen: that tenant ended with its run, so no resume settles, finishes or discards them; plan anew here what is still wanted.\n",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("resume on the run started again does not say %q (exit %d):\n%s%s", want, r.code, r.out, r.errOut)
		}
	}
	one := runCmd(t, nil, "resume", "--discard", "--force", ticketPlan)
	if want := "(it was run on sandbox aaaa1111 (" + addr + "), another tenant); none is left to settle there"; one.code != exitUsage || !strings.Contains(one.errOut, want) {
		t.Errorf("resume of the earlier run's ticket plan: exit %d, want %q\n%s", one.code, want, one.errOut)
	}
}
