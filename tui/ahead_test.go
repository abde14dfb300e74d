package tui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
	"github.com/linkdesk/linkdesk/session/sessiontest"
)

// CheckAhead refuses, before any call, a write of accounts a plan cut
// off and not settled writes (by the accounts, or by the operations of a
// write), as session.Apply would at y; it lets through a write of other
// accounts, and says nothing in read-only mode.
func TestCheckAheadRefusesAWriteOfAccountsAnUnsettledPlanHolds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tn := leaveUnsettledLink(t, dir)
	s := session.With(ctx, tn, "sandbox", session.Config{StateDir: dir, Operator: "tester"})
	t.Cleanup(func() { s.Close() })
	b := &Backend{Session: s}
	refused := func(what string, msg tea.Msg) {
		t.Helper()
		if se, ok := linking.AsSafetyError(msg.(AheadMsg).Err); !ok || se.Check != linking.CheckUnsettledWrite {
			t.Errorf("%s: %v, want %s", what, msg.(AheadMsg).Err, linking.CheckUnsettledWrite)
		}
	}
	refused("a write of alice's database account", b.CheckAhead(ctx, NewTask(), nil, []string{sessiontest.AliceDB})())
	users, err := s.Users(ctx, sessiontest.AliceDB)
	if err != nil {
		t.Fatal(err)
	}
	refused("her deletion", b.CheckAhead(ctx, NewTask(), []linking.Operation{linking.PlanDelete(users[0], "")}, nil)())

	const maria = "auth0|672614a0b1c2d3e4f5061728"
	if msg := b.CheckAhead(ctx, NewTask(), nil, []string{maria})().(AheadMsg); msg.Err != nil {
		t.Errorf("a write of another account: %v", msg.Err)
	}
	ro := session.With(ctx, tn, "sandbox", session.Config{StateDir: dir, Operator: "tester", ReadOnly: true})
	t.Cleanup(func() { ro.Close() })
	if msg := (&Backend{Session: ro}).CheckAhead(ctx, NewTask(), nil, []string{sessiontest.AliceDB})().(AheadMsg); msg.Err != nil {
		t.Errorf("read-only: %v", msg.Err)
	}
}

// A confirmation that checks ahead (the verification email's) waits for
// the check before y: refused, it says why in place of its question, its
// footer offers no yes, and y only reads the journals again; let through,
// y confirms.
func TestAConfirmationCheckedAheadTakesYOnlyOnceLetThrough(t *testing.T) {
	m, _, _ := modelAfterAnUnsettledLink(t, nil)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	y := tea.KeyPressMsg{Code: 'y', Text: "y"}
	for _, tc := range []struct {
		account string
		refused bool
	}{{sessiontest.AliceDB, true}, {"auth0|672614a0b1c2d3e4f5061728", false}} {
		yes := 0
		d := NewConfirmReason(m.c, "Send the verification email", []string{"To  alice"}, "Send it?", false, "asked",
			func(string) tea.Cmd { yes++; return nil }).CheckAhead(tc.account)
		_, check := m.Update(PushMsg{Screen: d})
		if check == nil {
			t.Fatal("the dialog does not check ahead as it opens")
		}
		m.Update(y) // before the answer
		if yes != 0 || m.Active() != d || !strings.Contains(d.View(), "Still reading the journals") {
			t.Fatalf("%s: y before the check's answer: %d yes, on screen:\n%s", tc.account, yes, d.View())
		}
		m.Update(check())
		if strings.Contains(d.View(), "Still reading the journals") {
			t.Errorf("%s: the hint stays once the journals are read:\n%s", tc.account, d.View())
		}
		footer := m.footer()
		if !tc.refused {
			if d.Refused() != nil || !strings.Contains(d.View(), "Send it?") || !strings.Contains(footer, "y yes") {
				t.Fatalf("%s: refused (%v):\n%s\n%s", tc.account, d.Refused(), d.View(), footer)
			}
			m.Update(y)
			if yes != 1 {
				t.Fatalf("%s: y did not confirm once let through", tc.account)
			}
			continue
		}
		if !strings.Contains(d.View(), "refused before any call: unsettled_write") || strings.Contains(d.View(), "Send it?") {
			t.Fatalf("%s: the refusal is not said in place of the question:\n%s", tc.account, d.View())
		}
		if strings.Contains(footer, "yes") || strings.Contains(footer, "y ") || !strings.Contains(footer, "esc back") {
			t.Errorf("%s: the footer of the refused dialog: %q", tc.account, footer)
		}
		m.Update(y)
		if yes != 0 || m.Active() != d || !strings.Contains(d.View(), "Refused (see above): nothing was started.") {
			t.Fatalf("%s: y went through the refusal, or did not say it starts nothing:\n%s", tc.account, d.View())
		}
		m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
		if m.Active() == d {
			t.Fatal("esc did not close the refused dialog")
		}
	}
}

// A refusal ahead says what to do by whose plan holds the accounts: one
// cut off, run `linkdesk resume`; one being applied now, wait for its end.
func TestARefusalAheadSaysResumeOrWaitByThePlansState(t *testing.T) {
	refusal := func(running bool) error {
		return &session.InterleavedError{Running: running, SafetyError: &linking.SafetyError{Check: linking.CheckUnsettledWrite, Reason: "held"}}
	}
	for _, tc := range []struct {
		running bool
		want    string
	}{{false, "Run the `linkdesk resume` it names in a shell"}, {true, "Once it has ended, open this again"}} {
		a := &Ahead{err: refusal(tc.running)}
		if got := strings.Join(a.Lines(&Styles{}, 200), "\n"); !strings.Contains(got, tc.want) {
			t.Errorf("running %v: %q, want %q", tc.running, got, tc.want)
		}
	}
}

// A dialog's words of a refusal go once a new check (another identity
// picked in the unlink dialog) finds nothing holding the write.
func TestARefusalsWordsGoWithANewCheckThatLetsItThrough(t *testing.T) {
	a := &Ahead{c: &Common{}, err: errors.New("held"), task: NewTask(), pending: true}
	hint := aheadRefused
	a.Update(AheadMsg{Task: a.task}, &hint)
	if hint != "" || a.Refused() != nil {
		t.Errorf("after a check that lets the write through: hint %q, refused %v", hint, a.Refused())
	}
}
