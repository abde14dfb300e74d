package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// Ctrl-C (the command's context cancelled) while a question waits on a
// terminal ends it at once: not confirmed, "Interrupted: nothing was
// changed.", and an error that exits 1; what is typed afterwards is no
// answer. Both kinds of question: [y/N] and the typed user id.
func TestCtrlCAtAQuestionEndsItAtOnce(t *testing.T) {
	for _, c := range []confirmation{
		{question: "Make these 2 calls on acme?", calls: 2},
		{typed: []string{"auth0|1"}, prompt: "This deletes auth0|1 for good.\nType its user id to confirm", calls: 1},
	} {
		in, typing := io.Pipe() // a terminal no one types on yet
		var errOut bytes.Buffer
		s := &streams{In: in, Out: io.Discard, ErrOut: &errOut}
		s.terminal = func(f any) bool { return f == s.In }
		ctx, cancel := context.WithCancel(t.Context())
		type answer struct {
			ok  bool
			err error
		}
		done := make(chan answer, 1)
		go func() {
			ok, err := confirm(ctx, s, writeFlags{}, c)
			done <- answer{ok, err}
		}()
		time.Sleep(100 * time.Millisecond) // the question waits
		cancel()
		var a answer
		select {
		case a = <-done:
		case <-time.After(5 * time.Second):
			typing.Close()
			t.Fatalf("%q: Ctrl-C did not end the question", c.question+c.prompt)
		}
		var ee *exitError
		if a.ok || !errors.Is(a.err, errInterrupted) || !errors.As(a.err, &ee) || ee.code != exitFailure {
			t.Errorf("%q: confirmed %v, error %v", c.question+c.prompt, a.ok, a.err)
		}
		if !strings.Contains(errOut.String(), "\nInterrupted: nothing was changed.\n") || strings.Contains(errOut.String(), "Not confirmed") {
			t.Errorf("%q: stderr %q", c.question+c.prompt, errOut.String())
		}
		// A line typed after Ctrl-C answers nothing: the question is over.
		go typing.Write([]byte("y\n"))
		time.Sleep(50 * time.Millisecond)
		typing.Close()
	}

	// Interrupted before the question is asked: no wait for an answer.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var errOut bytes.Buffer
	s := &streams{In: strings.NewReader("y\n"), Out: io.Discard, ErrOut: &errOut}
	s.terminal = func(f any) bool { return f == s.In }
	if ok, err := confirm(ctx, s, writeFlags{}, confirmation{question: "Link?"}); ok || !errors.Is(err, errInterrupted) {
		t.Errorf("after Ctrl-C: confirmed %v, error %v", ok, err)
	}

	// Not interrupted, the answer still counts.
	s = &streams{In: strings.NewReader("y\n"), Out: io.Discard, ErrOut: &errOut}
	s.terminal = func(f any) bool { return f == s.In }
	if ok, err := confirm(t.Context(), s, writeFlags{}, confirmation{question: "Link?"}); !ok || err != nil {
		t.Errorf("answered y: confirmed %v, error %v", ok, err)
	}
}
