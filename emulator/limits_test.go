package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func rateHeaders(t *testing.T, r response) (limit, remaining int, reset int64) {
	t.Helper()
	var err1, err2, err3 error
	limit, err1 = strconv.Atoi(r.header.Get("X-RateLimit-Limit"))
	remaining, err2 = strconv.Atoi(r.header.Get("X-RateLimit-Remaining"))
	reset, err3 = strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("rate-limit headers %v: %v", r.header, err)
	}
	return
}

func TestRateLimitLikeAFreeTenant(t *testing.T) {
	c := startTest(t, Options{Rate: 2, Burst: 2})
	var limited response
	for i := 0; i < 50 && limited.status == 0; i++ {
		r := c.do("GET", "/api/v2/users/auth0%7Calice1", nil)
		limit, remaining, _ := rateHeaders(t, r)
		if limit != 2 || remaining < 0 || remaining > 1 {
			t.Errorf("request %d: limit %d remaining %d", i, limit, remaining)
		}
		if r.status == 429 {
			limited = r
		}
	}
	if limited.status == 0 {
		t.Fatal("never rate-limited at 2 requests per second")
	}
	wantError(t, limited, 429, "too_many_requests", "Global limit has been reached")
	_, remaining, reset := rateHeaders(t, limited)
	now := time.Now().Unix()
	if remaining != 0 || reset < now || reset > now+2 {
		t.Errorf("429: remaining %d, reset in %ds", remaining, reset-now)
	}
	if c.s.Stats().RateLimited == 0 {
		t.Error("429s not counted")
	}
	// Waiting until reset is always enough.
	time.Sleep(time.Until(time.Unix(reset, 0)))
	c.call("GET", "/api/v2/users/auth0%7Calice1", nil, 200, nil)
}

func TestRateLimitHeadersOnEveryAnswer(t *testing.T) {
	c := startTest(t, Options{Rate: -1, Burst: 7})
	for _, r := range []response{
		c.do("GET", "/api/v2/users/auth0%7Calice1", nil),
		c.do("GET", "/api/v2/users/auth0%7Cnobody", nil),
		c.do("GET", "/api/v2/nowhere", nil),
		(&tenantClient{t: t, base: c.base}).do("GET", "/api/v2/users", nil), // no token
	} {
		if limit, remaining, _ := rateHeaders(t, r); limit != 7 || remaining != 7 {
			t.Errorf("%d answer: limit %d remaining %d", r.status, limit, remaining)
		}
	}
}

func TestFaultsFailReadsAndLoseWriteAnswers(t *testing.T) {
	c := startTest(t, Options{FailRate: 1, Seed: 7})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	send := func(method, path, body string) (int, error) {
		req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	seen := map[string]bool{}
	for i := 0; i < 40; i++ {
		status, err := send("GET", "/api/v2/users/auth0%7Calice1", "")
		switch {
		case err != nil:
			seen["drop"] = true
		case status == 500 || status == 503:
			seen[strconv.Itoa(status)] = true
		default:
			t.Fatalf("a read got through with FailRate 1: %d", status)
		}
	}
	if !seen["500"] || !seen["503"] || !seen["drop"] {
		t.Errorf("read faults seen: %v", seen)
	}

	lost := 0
	for i := 0; i < 40 && lost < 2; i++ {
		before := c.s.Stats().Faults[FaultLostReply]
		name := fmt.Sprintf("try %d", i)
		status, err := send("PATCH", "/api/v2/users/auth0%7Calice1", `{"name":"`+name+`"}`)
		u, _ := c.s.GetUser("auth0|alice1")
		if c.s.Stats().Faults[FaultLostReply] > before {
			lost++
			if err == nil {
				t.Errorf("lost reply answered %d", status)
			}
			if u.Name != name {
				t.Errorf("a lost reply's write was not performed: name %q", u.Name)
			}
		} else if u.Name == name {
			t.Errorf("a failed write (%d, %v) was performed", status, err)
		}
	}
	if lost == 0 {
		t.Error("no lost replies in 40 writes")
	}
	st := c.s.Stats()
	if st.Faults[FaultInternal] == 0 || st.Faults[FaultDrop] == 0 || st.TokensIssued != 1 {
		t.Errorf("stats %+v", st)
	}
	if st.Effects[RoutePatchUser] != int64(lost) {
		t.Errorf("%d writes took effect (their answers lost), Effects counts %d", lost, st.Effects[RoutePatchUser])
	}
}

func TestFaultsCutExportDownloads(t *testing.T) {
	c := startTest(t, Options{Tenant: bigTenant(3000), Seed: 3})
	j, _ := c.export(map[string]any{"format": "json"})
	c.s.chaos.mu.Lock()
	c.s.chaos.failRate = 1
	c.s.chaos.mu.Unlock()
	seen := map[string]bool{}
	for i := 0; i < 30 && len(seen) < 2; i++ {
		resp, err := http.Get(j.Location)
		if err != nil {
			seen["drop"] = true
			continue
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Fatalf("a download got through whole (%d bytes)", n)
		}
		seen["truncated"] = true
		if n == 0 || n >= resp.ContentLength {
			t.Errorf("truncated download had %d of %d bytes", n, resp.ContentLength)
		}
	}
	if !seen["drop"] || !seen["truncated"] {
		t.Errorf("download faults seen: %v", seen)
	}
}

func TestPasswordChangeTickets(t *testing.T) {
	c := startTest(t, Options{})
	var tk struct {
		Ticket string `json:"ticket"`
	}
	c.call("POST", "/api/v2/tickets/password-change", map[string]any{"user_id": "auth0|kid2", "result_url": "https://app/x", "ttl_sec": 300}, 201, &tk)
	u, err := url.Parse(tk.Ticket)
	if err != nil || !strings.HasPrefix(tk.Ticket, c.base+"/") || u.Path != "/u/reset-password" || u.Query().Get("ticket") == "" || !strings.HasSuffix(tk.Ticket, "#") {
		t.Errorf("ticket %q", tk.Ticket)
	}
	c.call("POST", "/api/v2/tickets/password-change", map[string]any{"email": "ALICE@example.com", "connection_id": "con_db"}, 201, nil)
	wantError(t, c.do("POST", "/api/v2/tickets/password-change", map[string]any{"user_id": "auth0|nobody"}), 404, "inexistent_user")
	wantError(t, c.do("POST", "/api/v2/tickets/password-change", map[string]any{"user_id": "google-oauth2|111"}), 400, "operation_not_supported", "password")
	wantError(t, c.do("POST", "/api/v2/tickets/password-change", map[string]any{"user_id": "sms|333"}), 400, "operation_not_supported")
	wantError(t, c.do("POST", "/api/v2/tickets/password-change", map[string]any{"email": "parent@family.test", "connection_id": "con_family"}), 400, "invalid_body", "user_id")
	wantError(t, c.do("POST", "/api/v2/tickets/password-change", map[string]any{"email": "nobody@x.test", "connection_id": "con_db"}), 404, "inexistent_user")
	wantError(t, c.do("POST", "/api/v2/tickets/password-change", map[string]any{"user_id": "auth0|kid2", "email": "parent@family.test"}), 400, "invalid_body")
	wantError(t, c.do("POST", "/api/v2/tickets/password-change", map[string]any{}), 400, "invalid_body")
}

func TestManyClientsAtOnce(t *testing.T) {
	c := startTest(t, Options{Tenant: bigTenant(2000), SearchLag: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				primary := fmt.Sprintf("auth0|u%05d", g*100+i*2)
				secondary := fmt.Sprintf("u%05d", g*100+i*2+1)
				c.call("GET", searchPath("email:u0*", "per_page", "5"), nil, 200, nil)
				c.call("PATCH", "/api/v2/users/"+url.PathEscape(primary), map[string]any{"app_metadata": map[string]any{"g": g}}, 200, nil)
				c.call("POST", "/api/v2/users/"+url.PathEscape(primary)+"/identities", map[string]any{"provider": "auth0", "user_id": secondary}, 201, nil)
				c.call("GET", "/api/v2/users-by-email?email="+url.QueryEscape(secondary+"@example.com"), nil, 200, nil)
				if i%3 == 0 {
					c.call("DELETE", "/api/v2/users/"+url.PathEscape(primary)+"/identities/auth0/"+secondary, nil, 200, nil)
				}
				if i%5 == 0 {
					c.call("POST", "/api/v2/jobs/users-exports", map[string]any{"format": "csv", "limit": 50}, 200, nil)
				}
			}
		}()
	}
	wg.Wait()
	if got := c.s.UserCount(); got != 2000-8*15+8*5 {
		t.Errorf("%d users left", got)
	}
	st := c.s.Stats()
	if st.Requests["POST /api/v2/users/{id}/identities"] != 120 || st.Writes != 120*2+40+24 {
		t.Errorf("stats %+v", st)
	}
}

func TestLatencyGivesUpWithTheClient(t *testing.T) {
	c := startTest(t, Options{})
	c.s.chaos.mu.Lock()
	c.s.chaos.latency = time.Hour
	c.s.chaos.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "PATCH", c.base+"/api/v2/users/auth0%7Calice1", strings.NewReader(`{"name":"late"}`))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a request delayed by an hour came back: %v", err)
	}
	// The server stops waiting too, and never performs the write.
	c.s.Close()
	if u, _ := c.s.GetUser("auth0|alice1"); u.Name != "Alice Liddell" {
		t.Errorf("the abandoned write happened: %q", u.Name)
	}
}

func TestRateProfilesAddEndpointGroupBuckets(t *testing.T) {
	if _, err := New(Options{RateProfile: "platinum"}); err == nil {
		t.Error("an unknown rate profile is accepted")
	}
	for _, profile := range []string{"free", "paid", "enterprise"} {
		t.Run(profile, func(t *testing.T) {
			c := startTest(t, Options{RateProfile: profile})
			global := RateProfiles[profile]
			if limit, _, _ := rateHeaders(t, c.do("GET", "/api/v2/roles", nil)); limit != global.burst {
				t.Errorf("a route of no group: limit %d, want the global burst %d", limit, global.burst)
			}
			// Read connections: burst 5 (global permitting), then the
			// group's own 429 and headers.
			c.s.AdvanceClock(time.Minute)
			var limited response
			for i := 0; i < 20 && limited.status == 0; i++ {
				if r := c.do("GET", "/api/v2/connections", nil); r.status == 429 {
					limited = r
				} else if r.status != 200 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				if profile == "free" {
					c.s.AdvanceClock(500 * time.Millisecond) // keep the free tenant's global bucket out of the way
				}
			}
			wantError(t, limited, 429, "too_many_requests")
			limit, remaining, reset := rateHeaders(t, limited)
			if limit != 5 || remaining != 0 || reset <= c.s.now().Unix() {
				t.Errorf("connections 429: limit %d remaining %d reset in %ds", limit, remaining, reset-c.s.now().Unix())
			}
			// Other groups are not affected, and waiting until reset is enough.
			if r := c.do("GET", "/api/v2/users/auth0%7Calice1", nil); r.status != 200 {
				t.Errorf("users read after the connections limit: %d", r.status)
			}
			c.s.AdvanceClock(time.Until(time.Unix(reset, 0)) + time.Second)
			c.call("GET", "/api/v2/connections", nil, 200, nil)
		})
	}
	// Users write: 20 at once, then 429 until the bucket refills (200 a minute).
	c := startTest(t, Options{RateProfile: "enterprise"})
	n := 0
	for ; n < 30; n++ {
		r := c.do("PATCH", "/api/v2/users/auth0%7Calice1", map[string]any{"user_metadata": map[string]any{"n": n}})
		if r.status == 429 {
			if limit, _, _ := rateHeaders(t, r); limit != 20 {
				t.Errorf("users write 429 limit %d", limit)
			}
			break
		}
	}
	if n != 20 {
		t.Errorf("%d user writes before a 429, want 20", n)
	}
	// The headers of an accepted request are the tighter bucket's.
	c.s.AdvanceClock(3 * time.Second) // 10 writes' worth
	r := c.do("PATCH", "/api/v2/users/auth0%7Calice1", map[string]any{"user_metadata": map[string]any{"n": 0}})
	if limit, remaining, _ := rateHeaders(t, r); r.status != 200 || limit != 20 || remaining > 9 {
		t.Errorf("after 3 s: %d, limit %d remaining %d", r.status, limit, remaining)
	}
}
