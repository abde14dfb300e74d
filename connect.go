package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/gen"
)

// session is a command's connection to a tenant: a real one, or a sandbox
// tenant started in this process for --demo.
type session struct {
	Tenant  client.Tenant
	Name    string // what the status bar and the audit log call the tenant
	Sandbox bool
	secrets []string // never to be printed or written
	close   func()
}

func (s *session) Close() {
	if s != nil && s.close != nil {
		s.close()
	}
}

// sandboxUsers is the size of the tenant `linkdesk demo` starts with.
const sandboxUsers = 2000

// connect opens the tenant the flags and environment name. With --demo (or
// sandbox true) it starts an embedded sandbox tenant and talks to it over
// real HTTP, exactly as it would to Auth0.
func (g *globalOptions) connect(ctx context.Context, sandbox bool) (*session, error) {
	if g.Demo || sandbox {
		return g.startSandbox(ctx)
	}
	if g.Fixture != "" {
		return nil, usageErrorf("--fixture loads a sandbox tenant: use it with --demo or `linkdesk demo`")
	}
	cfg := client.Config{
		Domain:       firstNonEmpty(g.Domain, os.Getenv("AUTH0_DOMAIN")),
		ClientID:     firstNonEmpty(g.ClientID, os.Getenv("AUTH0_CLIENT_ID")),
		ClientSecret: firstNonEmpty(g.ClientSecret, os.Getenv("AUTH0_CLIENT_SECRET")),
		APIToken:     firstNonEmpty(g.APIToken, os.Getenv("AUTH0_API_TOKEN")),
		ReadOnly:     g.ReadOnly,
	}
	if cfg.Domain == "" || (cfg.APIToken == "" && (cfg.ClientID == "" || cfg.ClientSecret == "")) {
		return nil, &exitError{code: exitUsage, err: errors.New(noCredentialsHelp)}
	}
	t, err := client.New(ctx, cfg)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return &session{Tenant: t, Name: t.Domain(), secrets: nonEmpty(cfg.ClientSecret, cfg.APIToken)}, nil
}

const noCredentialsHelp = `no tenant configured.

Set the tenant's domain and a Machine-to-Machine application's credentials:

  export AUTH0_DOMAIN=your-tenant.eu.auth0.com
  export AUTH0_CLIENT_ID=...
  export AUTH0_CLIENT_SECRET=...      (or AUTH0_API_TOKEN=... instead of id and secret)

or try linkdesk on a sandbox tenant first:

  linkdesk demo`

func (g *globalOptions) startSandbox(ctx context.Context) (*session, error) {
	opts := emulator.Options{}
	if g.Fixture != "" {
		t, err := emulator.LoadFixture(g.Fixture)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("--fixture: %w", err)}
		}
		opts.Tenant = t
	} else {
		users := g.Users
		if users <= 0 {
			users = sandboxUsers
		}
		seed := g.Seed
		if seed == 0 {
			seed = 1
		}
		opts.Tenant = gen.Generate(gen.GenOptions{Users: users, Seed: seed})
	}
	srv, err := emulator.New(opts)
	if err != nil {
		return nil, err
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("start the sandbox tenant: %w", err)
	}
	t, err := client.New(ctx, client.Config{
		Domain:       base,
		ClientID:     srv.ClientID(),
		ClientSecret: srv.ClientSecret(),
		ReadOnly:     g.ReadOnly,
		PollInterval: 50e6,
	})
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &session{
		Tenant:  t,
		Name:    "sandbox (" + t.Domain() + ")",
		Sandbox: true,
		secrets: []string{srv.ClientSecret()},
		close:   func() { srv.Close() },
	}, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
