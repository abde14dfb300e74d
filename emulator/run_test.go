package emulator

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every answer names the tenant's run, whatever the route and whoever
// answers: a read, a write, the token, a download, a refusal of the token
// or the rate limit, an injected fault, a route that does not exist.
func TestEveryAnswerNamesTheRun(t *testing.T) {
	c := startTest(t, Options{})
	run := c.s.Run()
	if len(run) != 8 || strings.Trim(run, "0123456789abcdef") != "" {
		t.Fatalf("Run %q: want eight hex digits", run)
	}
	check := func(what string, r response) {
		t.Helper()
		if got := r.header.Values(RunHeader); len(got) != 1 || got[0] != run {
			t.Errorf("%s (%d): %s %q, want %q", what, r.status, RunHeader, got, run)
		}
	}
	check("users", c.call("GET", "/api/v2/users?per_page=2", nil, 200, nil))
	check("a user", c.call("GET", "/api/v2/users/auth0|alice1", nil, 200, nil))
	check("a missing user", c.do("GET", "/api/v2/users/auth0|nobody", nil))
	check("connections", c.call("GET", "/api/v2/connections", nil, 200, nil))
	check("a PATCH", c.call("PATCH", "/api/v2/users/auth0|alice1", map[string]any{"user_metadata": map[string]any{"x": 1}}, 200, nil))
	check("a DELETE", c.call("DELETE", "/api/v2/users/auth0|bob1", nil, 204, nil))
	check("no route", c.do("GET", "/api/v2/nothing-here", nil))
	check("no route outside the API", c.do("PUT", "/", nil))
	check("jwks", c.do("GET", "/.well-known/jwks.json", nil))
	var job struct {
		ID string `json:"id"`
	}
	check("an export job", c.call("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "json"}, 200, &job))
	var location string
	for deadline := time.Now().Add(10 * time.Second); location == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var st struct {
			Location string `json:"location"`
		}
		check("the export job", c.call("GET", "/api/v2/jobs/"+job.ID, nil, 200, &st))
		location = st.Location
	}
	if location == "" {
		t.Fatal("the export job never completed")
	}
	resp, err := http.Get(location)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("the download", response{status: resp.StatusCode, header: resp.Header})
	token := c.token
	c.token = ""
	check("no token", c.do("GET", "/api/v2/users/auth0|alice1", nil))
	c.token = token
	tok, err := http.PostForm(c.base+"/oauth/token", map[string][]string{"grant_type": {"client_credentials"}, "client_id": {"sandbox-client"}, "client_secret": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	tok.Body.Close()
	check("a token refused", response{status: tok.StatusCode, header: tok.Header})

	limited := startTest(t, Options{Rate: 0.001, Burst: 1})
	run = limited.s.Run()
	var r response
	for i := 0; i < 5 && r.status != http.StatusTooManyRequests; i++ {
		r = limited.do("GET", "/api/v2/users/auth0|alice1", nil)
	}
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("no 429 from a bucket of one: %d %s", r.status, r.body)
	}
	check("rate limited", r)

	faulty := startTest(t, Options{FailRate: 1, Seed: 7})
	run = faulty.s.Run()
	for i := 0; i < 10; i++ {
		req, _ := http.NewRequest("GET", faulty.base+"/api/v2/users/auth0|alice1", nil)
		req.Header.Set("Authorization", "Bearer "+faulty.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // a dropped connection answers nothing
		}
		resp.Body.Close()
		check("a fault", response{status: resp.StatusCode, header: resp.Header})
	}

	held := startTest(t, Options{HoldWriteReplies: 50 * time.Millisecond})
	run = held.s.Run()
	check("a held write", held.call("PATCH", "/api/v2/users/auth0|alice1", map[string]any{"user_metadata": map[string]any{"x": 2}}, 200, nil))

	// Served in another process's handler (httptest, a proxy) too.
	rec := &headerRecorder{header: http.Header{}}
	req, _ := http.NewRequest("GET", "/.well-known/openid-configuration", nil)
	c.s.Handler().ServeHTTP(rec, req)
	if got := rec.header.Get(RunHeader); got != c.s.Run() {
		t.Errorf("through Handler: %s %q, want %q", RunHeader, got, c.s.Run())
	}
}

type headerRecorder struct {
	header http.Header
	body   bytes.Buffer
}

func (h *headerRecorder) Header() http.Header         { return h.header }
func (h *headerRecorder) Write(p []byte) (int, error) { return h.body.Write(p) }
func (h *headerRecorder) WriteHeader(int)             {}

// Each server is a tenant of its own, even from the same data: its own run.
func TestEveryServerIsARunOfItsOwn(t *testing.T) {
	tenant := testTenant()
	runs := map[string]bool{}
	for i := 0; i < 3; i++ {
		s, err := New(Options{Tenant: tenant})
		if err != nil {
			t.Fatal(err)
		}
		runs[s.Run()] = true
	}
	if len(runs) < 2 {
		t.Errorf("three servers of one tenant had the runs %v", runs)
	}
}

// `linkdesk emulator` says which run it serves, and the name linkdesk
// gives that tenant: "sandbox RUN (HOST:PORT)".
func TestRunSaysTheRunAndTheNameLinkdeskGivesIt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunOptions{Options: Options{Tenant: testTenant(), Rate: -1}, Addr: "127.0.0.1:0"}, pw)
		pw.Close()
	}()
	var lines []string // read as a shell reads them, up to the export of the secret
	for sc := bufio.NewScanner(pr); !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "AUTH0_CLIENT_SECRET") }); {
		if !sc.Scan() {
			t.Fatalf("no export lines:\n%s", strings.Join(lines, "\n"))
		}
		lines = append(lines, sc.Text())
	}
	go io.Copy(io.Discard, pr) // what it says when it stops
	out := strings.Join(lines, "\n")
	var run, name, domain string
	fmt.Sscanf(lines[0], "# linkdesk sandbox tenant sandbox %8s:", &run)
	name, _ = strings.CutPrefix(lines[1], "# linkdesk names it: ")
	domain, _ = strings.CutPrefix(lines[2], "export AUTH0_DOMAIN=http://")
	resp, err := http.Get("http://" + domain + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if served := resp.Header.Get(RunHeader); run == "" || served != run || name != "sandbox "+run+" ("+domain+")" {
		t.Errorf("it says run %q and name %q, serves %s as run %q:\n%s", run, name, domain, served, out)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestTenantName(t *testing.T) {
	for _, tc := range []struct{ base, want string }{
		{"http://127.0.0.1:4780", "sandbox 5e0c (127.0.0.1:4780)"},
		{"127.0.0.1:4780", "sandbox 5e0c (127.0.0.1:4780)"},
		// The loopback address has one spelling: the run is one tenant however reached.
		{"https://[::1]:4780", "sandbox 5e0c (127.0.0.1:4780)"},
		{"http://localhost:4780", "sandbox 5e0c (127.0.0.1:4780)"},
		{"http://LocalHost.:4780/", "sandbox 5e0c (127.0.0.1:4780)"},
		{"http://10.0.0.7:4780", "sandbox 5e0c (10.0.0.7:4780)"},
	} {
		if got := TenantName("5e0c", tc.base); got != tc.want {
			t.Errorf("TenantName(%q) = %q, want %q", tc.base, got, tc.want)
		}
	}
}
