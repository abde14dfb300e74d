package emulator_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/linkdesk/linkdesk/emulator"
)

// The official auth0 CLI cannot be built here (the module proxy refuses
// every version of github.com/auth0/auth0-cli), so this test does what its
// `auth0 login --domain HOST:PORT --client-id … --client-secret …` and
// `auth0 users search --query 'email:*'` do, with the libraries it uses,
// against `linkdesk emulator --tls --cert-out FILE` run as the command runs
// it, in another process that trusts the sandbox by SSL_CERT_FILE alone:
//   - login: golang.org/x/oauth2/clientcredentials to https://DOMAIN/oauth/token
//     with client_id and audience https://DOMAIN/api/v2/ as parameters;
//   - before every command: jwx's jwt.ParseInsecure of the stored token
//     ("authentication token is corrupted" when it fails, as it did for the
//     opaque tokens of before);
//   - users search: go-auth0's management client with the token.
//
// The helper also verifies the token against the tenant's JWKS and checks
// its claims (iss, aud, sub, scope, exp, kid).
func TestAuth0CLIFlowAgainstTheTLSSandbox(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- emulator.Run(ctx, emulator.RunOptions{
			Options: emulator.Options{Tenant: fixtureTenant(t), Rate: -1},
			Addr:    "127.0.0.1:0", TLS: true, CertOut: filepath.Join(dir, "c.pem"),
		}, pw)
		pw.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(env) < 4 && sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	go io.Copy(io.Discard, pr)
	u, err := url.Parse(env["AUTH0_DOMAIN"])
	if err != nil || u.Scheme != "https" || env["SSL_CERT_FILE"] == "" {
		t.Fatalf("linkdesk emulator --tls printed %v", env)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestAuth0CLIFlowHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "LINKDESK_CLI_HELPER=1",
		"SSL_CERT_FILE="+env["SSL_CERT_FILE"], "SSL_CERT_DIR="+dir,
		"CLI_DOMAIN="+u.Host, "CLI_CLIENT_ID="+env["AUTH0_CLIENT_ID"], "CLI_CLIENT_SECRET="+env["AUTH0_CLIENT_SECRET"])
	out, err := cmd.CombinedOutput()
	t.Logf("helper:\n%s", out)
	if err != nil || !strings.Contains(string(out), "users search: 2 users") {
		t.Fatalf("the CLI's flow failed: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("emulator: %v", err)
	}
}

// TestAuth0CLIFlowHelper is the other process of the test above.
func TestAuth0CLIFlowHelper(t *testing.T) {
	if os.Getenv("LINKDESK_CLI_HELPER") != "1" {
		t.Skip("run by TestAuth0CLIFlowAgainstTheTLSSandbox")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	domain, id, secret := os.Getenv("CLI_DOMAIN"), os.Getenv("CLI_CLIENT_ID"), os.Getenv("CLI_CLIENT_SECRET")
	base := "https://" + domain

	// auth0 login --domain … --client-id … --client-secret …
	creds := &clientcredentials.Config{
		ClientID: id, ClientSecret: secret, TokenURL: base + "/oauth/token",
		EndpointParams: url.Values{"client_id": {id}, "audience": {base + "/api/v2/"}},
	}
	tok, err := creds.Token(ctx)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	fmt.Println("login: token expires", tok.Expiry.Format(time.RFC3339))
	// What the CLI checks before each command.
	if _, err := jwt.ParseInsecure([]byte(tok.AccessToken)); err != nil {
		t.Fatalf("authentication token is corrupted: %v", err)
	}

	// auth0 users search --query 'email:*'
	m, err := management.New(domain, management.WithStaticToken(tok.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	list, err := m.User.Search(ctx, management.Query("email:*"))
	if err != nil {
		t.Fatalf("users search: %v", err)
	}
	fmt.Printf("users search: %d users\n", len(list.Users))

	// The token is a JWT signed by a key of the tenant's JWKS, with Auth0's claims.
	set, err := jwk.Fetch(ctx, base+"/.well-known/jwks.json")
	if err != nil {
		t.Fatalf("jwks: %v", err)
	}
	parsed, err := jwt.Parse([]byte(tok.AccessToken), jwt.WithKeySet(set), jwt.WithValidate(true),
		jwt.WithIssuer(base+"/"), jwt.WithAudience(base+"/api/v2/"), jwt.WithSubject(id+"@clients"))
	if err != nil {
		t.Fatalf("token does not verify against the JWKS: %v", err)
	}
	scope, _ := parsed.Get("scope")
	if s, _ := scope.(string); !slices.Contains(strings.Fields(s), "read:users") {
		t.Errorf("scope %q", scope)
	}
	if time.Until(parsed.Expiration()) < time.Hour {
		t.Errorf("exp %v", parsed.Expiration())
	}
	msg, err := jws.Parse([]byte(tok.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Signatures()[0].ProtectedHeaders()
	if h.KeyID() == "" || h.Algorithm().String() != "RS256" {
		t.Errorf("header kid %q alg %s", h.KeyID(), h.Algorithm())
	}
	fmt.Println("token: RS256, kid", h.KeyID(), "verified against the JWKS; iss", parsed.Issuer(), "aud", parsed.Audience(), "scope", scope)
}
