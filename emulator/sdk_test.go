package emulator_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"golang.org/x/oauth2"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
)

// fixtureTenant is a tenant in the fixture shape: what GET /connections and
// GET /users/{id} return.
func fixtureTenant(t *testing.T) *emulator.Tenant {
	t.Helper()
	const fixture = `{
	"connections": [
		{"id":"con_db","name":"Username-Password-Authentication","strategy":"auth0","options":{"requires_username":false}},
		{"id":"con_g","name":"google-oauth2","strategy":"google-oauth2","options":{"scope":["email","profile"]}}
	],
	"users": [
		{"user_id":"auth0|1","email":"dana@example.com","email_verified":true,"name":"Dana",
		 "identities":[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"1","isSocial":false}],
		 "user_metadata":{"color":"teal","note":"<b>Tom & Jerry</b>"},"created_at":"2024-01-01T00:00:00.000Z","logins_count":4},
		{"user_id":"google-oauth2|1234567890123456789012","email":"Dana@Example.com","email_verified":"true","name":"Dana G",
		 "identities":[{"connection":"google-oauth2","provider":"google-oauth2","user_id":1234567890123456789012,"isSocial":true}],
		 "user_metadata":{"lang":"fr"},"created_at":"2024-02-01T00:00:00.000Z","logins_count":9}
	]}`
	var tenant emulator.Tenant
	if err := json.Unmarshal([]byte(fixture), &tenant); err != nil {
		t.Fatal(err)
	}
	return &tenant
}

// exerciseSDK drives the calls linkdesk makes through the real SDK.
func exerciseSDK(t *testing.T, m *management.Management, download *http.Client) {
	ctx := context.Background()
	u, err := m.User.Read(ctx, "auth0|1")
	if err != nil || u.GetEmail() != "dana@example.com" || !u.GetEmailVerified() || u.Identities[0].GetConnection() != "Username-Password-Authentication" {
		t.Fatalf("read: %v %v", u, err)
	}
	social, err := m.User.Read(ctx, "google-oauth2|1234567890123456789012")
	if err != nil || !social.GetEmailVerified() {
		t.Fatalf("read social (string email_verified, numeric identity id): %v %v", social, err)
	}
	list, err := m.User.Search(ctx, management.Query(`email:"dana@example.com"`))
	if err != nil || list.Total != 2 || len(list.Users) != 2 {
		t.Fatalf("search: %+v %v", list, err)
	}
	exact, err := m.User.ListByEmail(ctx, "dana@example.com")
	if err != nil || len(exact) != 1 {
		t.Fatalf("users-by-email: %v %v", exact, err)
	}
	err = m.User.Update(ctx, "auth0|1", &management.User{UserMetadata: &map[string]interface{}{"lang": "fr", "color": nil}})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	ids, err := m.User.Link(ctx, "auth0|1", &management.UserIdentityLink{
		Provider: auth0.String("google-oauth2"), UserID: auth0.String("1234567890123456789012"), ConnectionID: auth0.String("con_g"),
	})
	if err != nil || len(ids) != 2 || (*ids[1].ProfileData)["email"] != "Dana@Example.com" {
		t.Fatalf("link: %v %v", ids, err)
	}
	_, err = m.User.Read(ctx, "google-oauth2|1234567890123456789012")
	if mErr, ok := err.(management.Error); !ok || mErr.Status() != 404 {
		t.Fatalf("linked secondary read: %v", err)
	}
	owner, err := m.User.Search(ctx, management.Query(`identities.user_id:"1234567890123456789012"`))
	if err != nil || len(owner.Users) != 1 || owner.Users[0].GetID() != "auth0|1" {
		t.Fatalf("owner search: %+v %v", owner, err)
	}
	ids, err = m.User.Unlink(ctx, "auth0|1", "google-oauth2", "1234567890123456789012")
	if err != nil || len(ids) != 1 {
		t.Fatalf("unlink: %v %v", ids, err)
	}
	conns, err := m.Connection.List(ctx, management.Parameter("strategy", "auth0"))
	if err != nil || conns.Total != 1 || conns.Connections[0].GetName() != "Username-Password-Authentication" {
		t.Fatalf("connections: %+v %v", conns, err)
	}
	opts, ok := conns.Connections[0].Options.(*management.ConnectionOptions)
	if !ok || opts.GetRequiresUsername() {
		t.Fatalf("connection options: %#v", conns.Connections[0].Options)
	}
	ticket := &management.Ticket{UserID: auth0.String("auth0|1"), ResultURL: auth0.String("https://app.example/")}
	if err := m.Ticket.ChangePassword(ctx, ticket); err != nil || !strings.Contains(ticket.GetTicket(), "/u/reset-password?ticket=") {
		t.Fatalf("ticket: %v %v", ticket.GetTicket(), err)
	}
	// The ticket's URL opens on the sandbox that made it, at the scheme it
	// serves (it said https:// on a plain http sandbox, which no client
	// could open): the page is not served, and the sandbox says so.
	resp, err := download.Get(ticket.GetTicket())
	if err != nil {
		t.Fatalf("opening the ticket %s: %v", ticket.GetTicket(), err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Linkdesk-Sandbox-Run") == "" {
		t.Errorf("opening the ticket %s: %s, not the sandbox's 404", ticket.GetTicket(), resp.Status)
	}

	job := &management.Job{Format: auth0.String("json"), Fields: []map[string]interface{}{
		{"name": "user_id"}, {"name": "email"}, {"name": "user_metadata.lang", "export_as": "lang"},
	}}
	if err := m.Job.ExportUsers(ctx, job); err != nil || job.GetID() == "" {
		t.Fatalf("export: %v %v", job, err)
	}
	for deadline := time.Now().Add(time.Minute); job.GetStatus() != "completed"; time.Sleep(10 * time.Millisecond) {
		if job, err = m.Job.Read(ctx, job.GetID()); err != nil || time.Now().After(deadline) || job.GetStatus() == "failed" {
			t.Fatalf("job: %v %v", job, err)
		}
	}
	resp, zr := emulator.OpenExportForTest(t, download, job.GetLocation())
	defer resp.Body.Close()
	var lines []map[string]any
	for sc := bufio.NewScanner(zr); sc.Scan(); {
		var l map[string]any
		json.Unmarshal(sc.Bytes(), &l)
		lines = append(lines, l)
	}
	if len(lines) != 2 || lines[0]["lang"] != "fr" {
		t.Fatalf("export lines %v", lines)
	}
	if err := m.User.Delete(ctx, "google-oauth2|1234567890123456789012"); err != nil {
		t.Fatalf("delete: %v", err)
	}
}

func TestGoAuth0SDKAgainstTheSandbox(t *testing.T) {
	s, base := emulatortest.Start(t, emulator.Options{Tenant: fixtureTenant(t)})
	ctx := context.Background()
	m, err := management.New(base, management.WithInsecure(), management.WithClientCredentials(ctx, s.ClientID(), s.ClientSecret()))
	if err != nil {
		t.Fatal(err)
	}
	exerciseSDK(t, m, http.DefaultClient)
	if s.UserCount() != 1 {
		t.Errorf("%d users left", s.UserCount())
	}
	st := s.Stats()
	if st.TokensIssued != 1 || st.Requests["POST /api/v2/users/{id}/identities"] != 1 || st.RateLimited != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestGoAuth0SDKOverTLSWithTheWrittenCertificate(t *testing.T) {
	s, err := emulator.New(emulator.Options{Tenant: fixtureTenant(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	certFile := filepath.Join(t.TempDir(), "sandbox.pem")
	base, err := s.StartTLS("127.0.0.1:0", certFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Errorf("base %s", base)
	}
	fi, err := os.Stat(certFile)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("cert file: %v %v", fi, err)
	}
	pemData, _ := os.ReadFile(certFile)
	block, _ := pem.Decode(pemData)
	if block == nil {
		t.Fatal("no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "localhost", "::1"} {
		if err := cert.VerifyHostname(host); err != nil {
			t.Errorf("certificate not valid for %s: %v", host, err)
		}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("PEM not accepted by a cert pool")
	}
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	// Untrusted by default…
	if _, err := http.Get(base + "/api/v2/users"); err == nil {
		t.Error("the self-signed certificate was trusted without the PEM")
	}
	// …and trusted through the written PEM, by hostname too.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "https://"))
	resp, err := httpClient.Get("https://localhost:" + port + "/api/v2/users")
	if err != nil {
		t.Fatalf("via localhost: %v", err)
	}
	resp.Body.Close()

	// No WithInsecure: the SDK speaks HTTPS; the token request goes through
	// the same client by the oauth2 context.
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, httpClient)
	m, err := management.New(base, management.WithClient(httpClient), management.WithClientCredentials(ctx, s.ClientID(), s.ClientSecret()))
	if err != nil {
		t.Fatal(err)
	}
	exerciseSDK(t, m, httpClient)
}

func TestRunPrintsExportLinesAndShutsDown(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		ro := emulator.RunOptions{Options: emulator.Options{Tenant: fixtureTenant(t), ClientSecret: "shh"}, Addr: "127.0.0.1:0", TLS: useTLS}
		if useTLS {
			ro.CertOut = filepath.Join(t.TempDir(), "cert.pem")
		} else {
			ro.Dump = filepath.Join(t.TempDir(), "dump.json")
		}
		done := make(chan error, 1)
		go func() {
			done <- emulator.Run(ctx, ro, pw)
			pw.Close()
		}()
		env := map[string]string{}
		sc := bufio.NewScanner(pr)
		var header, name string
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "#") && header == "" {
				header = line
			}
			if n, ok := strings.CutPrefix(line, "# linkdesk names it: "); ok {
				name = n
			}
			if kv, ok := strings.CutPrefix(line, "export "); ok {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			if _, ok := env["AUTH0_CLIENT_SECRET"]; ok {
				break
			}
		}
		if !strings.Contains(header, "2 users") || !strings.Contains(header, "2 connections") || !strings.Contains(header, "rate 16/s, burst 50") {
			t.Errorf("header %q", header)
		}
		wantScheme := "http://"
		if useTLS {
			wantScheme = "https://"
			if env["SSL_CERT_FILE"] != ro.CertOut {
				t.Errorf("SSL_CERT_FILE=%q", env["SSL_CERT_FILE"])
			}
		}
		if !strings.HasPrefix(env["AUTH0_DOMAIN"], wantScheme+"127.0.0.1:") || env["AUTH0_CLIENT_ID"] != "sandbox-client" || env["AUTH0_CLIENT_SECRET"] != "shh" {
			t.Errorf("exports %v", env)
		}
		// The run, and the name linkdesk gives this tenant by it.
		var run string
		fmt.Sscanf(header, "# linkdesk sandbox tenant sandbox %8s:", &run)
		if want := "sandbox " + run + " (" + strings.TrimPrefix(env["AUTH0_DOMAIN"], wantScheme) + ")"; run == "" || name != want {
			t.Errorf("header %q, name %q: want the run in the header and the name %q", header, name, want)
		}
		if !useTLS {
			resp, err := http.Get(env["AUTH0_DOMAIN"] + "/api/v2/users")
			if err != nil || resp.StatusCode != 401 {
				t.Errorf("serving: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
		}
		cancel()
		rest, _ := io.ReadAll(pr)
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if !strings.Contains(string(rest), "stopped") {
			t.Errorf("goodbye missing: %q", rest)
		}
		if _, err := http.Get(env["AUTH0_DOMAIN"] + "/api/v2/users"); err == nil && !useTLS {
			t.Error("still serving after Run returned")
		}
		if ro.Dump != "" {
			// The tenant it ended with and what it counted, for a test in another process.
			st, tn, err := emulator.ReadDump(ro.Dump)
			if err != nil {
				t.Fatal(err)
			}
			if st.Requests["GET /api/v2/users"] != 1 || len(tn.Users) != 2 || len(tn.Connections) != 2 {
				t.Errorf("dump: requests %v, %d users, %d connections", st.Requests, len(tn.Users), len(tn.Connections))
			}
			for i, u := range tn.Users { // byte for byte as served: no HTML escaping on the way
				if got, want := u.AppendJSON(nil), ro.Tenant.Users[i].AppendJSON(nil); !bytes.Equal(got, want) {
					t.Errorf("dumped user\n%s\nwant\n%s", got, want)
				}
			}
			if fi, err := os.Stat(ro.Dump); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("dump file: %v %v", fi.Mode(), err)
			}
		}
	}
}
