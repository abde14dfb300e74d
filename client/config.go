package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/auth0/go-auth0/management"
	"golang.org/x/oauth2"
)

// Config says which tenant to talk to and how.
type Config struct {
	// Domain is "tenant.eu.auth0.com", "https://tenant.eu.auth0.com", or
	// "http://127.0.0.1:PORT" for a local sandbox tenant (plain HTTP).
	Domain       string
	ClientID     string
	ClientSecret string
	APIToken     string // instead of client credentials

	ReadOnly bool // every write fails with ErrReadOnly before any request

	// Transport is the round tripper under everything (default: a clone of
	// http.DefaultTransport). Tests use it to trust a test CA.
	Transport http.RoundTripper
	// PollInterval is the first wait between export job polls (default 500ms).
	PollInterval time.Duration
	UserAgent    string
}

type tenant struct {
	m        *management.Management
	domain   string
	base     string // scheme://host
	pacer    *pacer
	download *http.Client // export files: presigned URLs, no bearer token
	readOnly bool
	poll     time.Duration
	calls    *atomic.Int64 // Management API requests sent, retries included
	grant    *grant        // the scopes of the access token the calls carry
	runs     *sandboxRuns  // the sandbox runs the answers named (SandboxRun)
}

// New connects to a tenant. It does not make a request; the first call
// fetches the access token.
func New(ctx context.Context, cfg Config) (Tenant, error) {
	scheme, host, err := parseDomain(cfg.Domain)
	if err != nil {
		return nil, err
	}
	if cfg.APIToken == "" && (cfg.ClientID == "" || cfg.ClientSecret == "") {
		return nil, errors.New("no credentials: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, or AUTH0_API_TOKEN")
	}
	baseRT := cfg.Transport
	if baseRT == nil {
		baseRT = http.DefaultTransport.(*http.Transport).Clone()
	}
	base := scheme + "://" + host

	// The transport, built from the wire up; a request meets the layers in
	// the opposite order: guards (read-only, another sandbox run), capture,
	// retry, renewal, pacing, and the sandbox run every answer names.
	pacer := newPacer()
	calls := new(atomic.Int64)
	runs := new(sandboxRuns)
	var tr http.RoundTripper = paced{next: counted{next: runWatch{next: baseRT, runs: runs}, calls: calls}, pacer: pacer}
	var renewer *tokenRenewer
	if cfg.APIToken == "" {
		renewer = &tokenRenewer{next: tr}
		tr = renewer
	}
	tr = retrier{next: tr, pacer: pacer}
	tr = errorCapture{next: tr}
	g := &grant{}
	tr = scopeWatch{next: tr, grant: g}
	tr = runGuard{next: tr, runs: runs, addr: host}
	if cfg.ReadOnly {
		tr = readOnlyGuard{next: tr}
	}
	// Token requests go through the stack too, so they are retried.
	tokenHTTP := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	if renewer != nil {
		renewer.renew = func(ctx context.Context) (string, error) {
			return fetchToken(ctx, tokenHTTP, base, cfg.ClientID, cfg.ClientSecret)
		}
	}

	opts := []management.Option{}
	if scheme == "http" {
		// WithInsecure switches the SDK to plain HTTP; it must come before the
		// credentials, which it would otherwise replace.
		opts = append(opts, management.WithInsecure())
	}
	if cfg.APIToken != "" {
		opts = append(opts, management.WithStaticToken(cfg.APIToken))
	} else {
		// The token source outlives any one call: it gets a background context
		// carrying our HTTP client.
		tokCtx := context.WithValue(context.Background(), oauth2.HTTPClient, tokenHTTP)
		opts = append(opts, management.WithClientCredentials(tokCtx, cfg.ClientID, cfg.ClientSecret))
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "linkdesk"
	}
	opts = append(opts,
		management.WithClient(&http.Client{Transport: tr}),
		management.WithNoRetries(), // the transport retries, knowing what is safe
		management.WithUserAgent(ua),
	)
	m, err := management.New(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("configure the Management API client: %w", err)
	}
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	return &tenant{
		m:        m,
		domain:   host,
		base:     base,
		pacer:    pacer,
		download: &http.Client{Transport: baseRT},
		readOnly: cfg.ReadOnly,
		poll:     poll,
		calls:    calls,
		grant:    g,
		runs:     runs,
	}, nil
}

// parseDomain accepts a bare domain (HTTPS) or a URL with an http/https
// scheme, and gives the host in one spelling (lower case, no trailing dot,
// no default port): the tenant's name, which keys its journals, locks and
// audit records, is then one however the domain was typed.
func parseDomain(d string) (scheme, host string, err error) {
	d = strings.TrimSpace(d)
	if d == "" {
		return "", "", errors.New("no tenant domain: set AUTH0_DOMAIN (or --domain)")
	}
	scheme = "https"
	if i := strings.Index(d, "://"); i >= 0 {
		scheme = strings.ToLower(d[:i])
		d = d[i+3:]
	}
	if scheme != "http" && scheme != "https" {
		return "", "", fmt.Errorf("tenant domain %q: scheme must be http or https", d)
	}
	d = strings.TrimRight(d, "/")
	u, err := url.Parse(scheme + "://" + d)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" {
		return "", "", fmt.Errorf("tenant domain %q is not a host name (like tenant.eu.auth0.com)", d)
	}
	name, port := strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), u.Port()
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	switch {
	case name == "":
		return "", "", fmt.Errorf("tenant domain %q is not a host name (like tenant.eu.auth0.com)", d)
	case port != "":
		return scheme, net.JoinHostPort(name, port), nil
	case strings.Contains(name, ":"): // an IPv6 address
		return scheme, "[" + name + "]", nil
	}
	return scheme, name, nil
}

// fetchToken asks /oauth/token for a new access token with the client
// credentials, the way the SDK does (form fields).
func fetchToken(ctx context.Context, hc *http.Client, base, id, secret string) (string, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {id},
		"client_secret": {secret},
		"audience":      {base + "/api/v2/"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", parseError(http.MethodPost, "/oauth/token", resp.StatusCode, data)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &tok); err != nil || tok.AccessToken == "" {
		return "", errors.New("POST /oauth/token: no access_token in the answer")
	}
	return tok.AccessToken, nil
}

func (t *tenant) Domain() string       { return t.domain }
func (t *tenant) RateLimit() RateLimit { return t.pacer.snapshot() }

func (t *tenant) SandboxRun() string {
	if run := t.runs.last.Load(); run != nil {
		return *run
	}
	return ""
}
