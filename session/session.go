// Package session is the one way to a tenant for the command line and the
// terminal UI: it connects (a real tenant, or a sandbox tenant started in
// this process), knows where linkdesk keeps its state, reads the tenant's
// connections once, re-reads one group, scans, and carries out every write
// as a plan through linking's executor, with the audit log, backups and a
// journal, so that a write cut off at any instant is settled by Resume.
//
// It imports linking, scan, client, audit and the emulator (for the sandbox
// tenant); never a Charm package, cli, tui or views.
package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// Config says which tenant to open and where linkdesk keeps its state.
type Config struct {
	// A real tenant: AUTH0_DOMAIN plus client credentials or an API token.
	Domain       string
	ClientID     string
	ClientSecret string
	APIToken     string

	// Sandbox starts a sandbox tenant inside this process instead: Fixture
	// loads it from a file, else Users (default SandboxUsers) are generated
	// from Seed (default 1).
	Sandbox bool
	Fixture string
	Users   int
	Seed    int64

	ReadOnly bool   // every write is refused before any call, backup or record
	Operator string // who acts, for the audit log (default: the login name)

	StateDir  string // default $XDG_STATE_HOME/linkdesk
	AuditLog  string // default StateDir/audit.log
	BackupDir string // default StateDir/backups
}

// SandboxUsers is the size of the sandbox tenant `linkdesk demo` starts with.
const SandboxUsers = 2000

// ErrNoCredentials is matched by the error of Open when no tenant is
// configured; its text tells the operator what to set.
var ErrNoCredentials = errors.New(`no tenant configured.

Set the tenant's domain and a Machine-to-Machine application's credentials:

  export AUTH0_DOMAIN=your-tenant.eu.auth0.com
  export AUTH0_CLIENT_ID=...
  export AUTH0_CLIENT_SECRET=...      (or AUTH0_API_TOKEN=... instead of id and secret)

or try linkdesk on a sandbox tenant first:

  linkdesk demo`)

// missingCredentials says what is missing from a real tenant's
// configuration: ErrNoCredentials when nothing is set, else a
// *MissingCredentialsError that names what is missing.
func missingCredentials(cfg Config) error {
	if cfg.Domain != "" && (cfg.APIToken != "" || (cfg.ClientID != "" && cfg.ClientSecret != "")) {
		return nil
	}
	if cfg.Domain == "" && cfg.ClientID == "" && cfg.ClientSecret == "" && cfg.APIToken == "" {
		return ErrNoCredentials
	}
	e := &MissingCredentialsError{}
	check := func(value, env, flag, given string) {
		if value != "" {
			e.Given = append(e.Given, given)
		} else {
			e.Missing = append(e.Missing, env)
			e.Flags = append(e.Flags, flag)
		}
	}
	check(cfg.Domain, "AUTH0_DOMAIN", "--domain", "the domain")
	if cfg.APIToken != "" {
		e.Given = append(e.Given, "an API token")
	} else {
		check(cfg.ClientID, "AUTH0_CLIENT_ID", "--client-id", "the client id")
		check(cfg.ClientSecret, "AUTH0_CLIENT_SECRET", "--client-secret", "the client secret")
		e.TokenInstead = cfg.ClientID == "" || cfg.ClientSecret == ""
	}
	return e
}

// MissingCredentialsError is a tenant configured in part. It matches
// ErrNoCredentials (errors.Is), and its text names what is missing.
type MissingCredentialsError struct {
	Missing []string // the environment variables to set: AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET
	Flags   []string // the flag that sets each instead
	Given   []string // what is set, in words (never a value)
	// TokenInstead: AUTH0_API_TOKEN would do instead of the client id and
	// secret.
	TokenInstead bool
}

func (e *MissingCredentialsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s not set (%s %s given):\n\n", andList(e.Missing), isAre(len(e.Missing)), andList(e.Given), isAre(len(e.Given)))
	for i, env := range e.Missing {
		value := "..."
		if env == "AUTH0_DOMAIN" {
			value = "your-tenant.eu.auth0.com"
		}
		fmt.Fprintf(&b, "  export %-38s (or %s)\n", env+"="+value, e.Flags[i])
	}
	if e.TokenInstead {
		b.WriteString("\nor AUTH0_API_TOKEN=... (or --api-token) instead of the client id and secret;")
	}
	b.WriteString("\nor try linkdesk on a sandbox tenant first:\n\n  linkdesk demo")
	return b.String()
}

func (e *MissingCredentialsError) Is(target error) bool { return target == ErrNoCredentials }

func andList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// Session is an open tenant and the files that record what is done to it.
// Its methods are safe for concurrent use.
type Session struct {
	Tenant   client.Tenant
	Name     string // what the status bar, plans and the audit log call the tenant
	Sandbox  bool   // a sandbox tenant inside this process: it ends with it
	ReadOnly bool
	Operator string
	Paths    Paths

	ctx     context.Context
	secrets []string
	stop    func()

	connsMu sync.Mutex
	conns   *linking.Connections

	snapMu  sync.Mutex
	snapDir string

	holdMu  sync.Mutex
	holders holders
	since   *sinceCache

	recMu   sync.Mutex
	log     *audit.Log
	backups *audit.Backups

	// Notify, when set, hears what the session must tell the operator
	// about its records (a torn line cut off and kept in a note).
	Notify  func(msg string)
	notesMu sync.Mutex
	notes   []string
}

// Paths are where a session keeps its state.
type Paths struct {
	State    string // the directory of everything below, 0700
	AuditLog string
	Backups  string
	Journals string // one journal a plan carried out, named after its id
	Plans    string // a copy of every plan carried out, for resume
}

// DefaultStateDir is $XDG_STATE_HOME/linkdesk, else ~/.local/state/linkdesk.
func DefaultStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "linkdesk")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "linkdesk")
	}
	return filepath.Join(os.TempDir(), "linkdesk")
}

// PathsFor resolves the state paths of a configuration.
func PathsFor(cfg Config) Paths {
	p := Paths{State: cfg.StateDir, AuditLog: cfg.AuditLog, Backups: cfg.BackupDir}
	if p.State == "" {
		p.State = DefaultStateDir()
	}
	if p.AuditLog == "" {
		p.AuditLog = filepath.Join(p.State, "audit.log")
	}
	if p.Backups == "" {
		p.Backups = filepath.Join(p.State, "backups")
	}
	// Absolute, as the records keep them: a backup named in the audit log,
	// or a log named in a journal, is found again from any directory.
	for _, path := range []*string{&p.State, &p.AuditLog, &p.Backups} {
		if abs, err := filepath.Abs(*path); err == nil {
			*path = abs
		}
	}
	p.Journals = filepath.Join(p.State, "journals")
	p.Plans = filepath.Join(p.State, "plans")
	return p
}

// DefaultOperator is the login name, for the audit log.
func DefaultOperator() string {
	for _, k := range []string{"USER", "LOGNAME"} {
		if u := os.Getenv(k); u != "" {
			return u
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// Open connects to the tenant cfg names. ctx is the program's context: the
// session's own calls (Context) run under it. Nothing is read yet from
// Auth0; the first call fetches the access token. A tenant that may be a
// `linkdesk emulator` (not a DNS name with a dot on the default port, as
// Auth0's are) has its connections read at once, for the run that names it
// (nameSandboxRun).
// Close stops a sandbox tenant and closes the audit log.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	s := &Session{ctx: ctx, ReadOnly: cfg.ReadOnly, Operator: cfg.Operator, Paths: PathsFor(cfg), stop: func() {}}
	if s.Operator == "" {
		s.Operator = DefaultOperator()
	}
	if cfg.Sandbox {
		if err := s.startSandbox(ctx, cfg); err != nil {
			return nil, err
		}
	} else {
		if cfg.Fixture != "" {
			return nil, UsageError{errors.New("--fixture loads a sandbox tenant: use it with --demo or `linkdesk demo`")}
		}
		if err := missingCredentials(cfg); err != nil {
			return nil, UsageError{err}
		}
		t, err := client.New(ctx, client.Config{
			Domain: cfg.Domain, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, APIToken: cfg.APIToken,
			ReadOnly: cfg.ReadOnly,
		})
		if err != nil {
			return nil, UsageError{err}
		}
		s.Tenant, s.Name = t, t.Domain()
		s.secrets = nonEmpty(cfg.ClientSecret, cfg.APIToken)
		defaultPort := "443"
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(cfg.Domain)), "http://") {
			defaultPort = "80"
		}
		s.nameSandboxRun(ctx, defaultPort)
	}
	// Registered at once, so that nothing printed or written afterwards can
	// carry them.
	for _, secret := range s.secrets {
		audit.RegisterSecret(secret)
	}
	return s, nil
}

// nameSandboxRun names a sandbox tenant (`linkdesk emulator`) by its run,
// as the sandbox in this process is named: a domain is one tenant on
// Auth0, but an emulator started again at an address serves another tenant
// there, whose plans, journals, locks and audit records must not be those
// of the one before (a write cut off on one is not settled as done on the
// other). An emulator may be anywhere (a loopback address, a LAN address, a
// container's name); Auth0's tenants are DNS names with a dot on their
// scheme's default port, which are not asked (mayBeSandbox), and never name
// a run: their name stays their domain. The run is read from the answers
// to the connections read, which the session keeps for its commands; a
// read that fails leaves the domain as the name, and the command meets the
// failure at its own first call, as before. defaultPort is the port of the
// domain's scheme, for a domain given without one.
func (s *Session) nameSandboxRun(ctx context.Context, defaultPort string) {
	domain := s.Tenant.Domain()
	if !mayBeSandbox(domain) {
		return
	}
	// Nothing listening there answers at once, and is not waited for as
	// the client waits for a tenant it cannot reach (its token request is
	// retried for seconds): the command's first call meets it, as before.
	addr := domain
	if _, _, err := net.SplitHostPort(domain); err != nil {
		addr = net.JoinHostPort(strings.Trim(domain, "[]"), defaultPort)
	}
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return
	}
	conn.Close()
	_, _ = s.Connections(ctx)
	if run := s.Tenant.SandboxRun(); run != "" {
		s.Name = emulator.TenantName(run, domain)
	}
}

// mayBeSandbox reports whether a tenant's domain (host, or host:port when
// not on its scheme's default port) may be a `linkdesk emulator`: anything
// but what Auth0's tenants all are, a DNS name with a dot on the default
// port. An IP literal, localhost, a name without a dot (a container's, in
// docker compose) or any explicit port may.
func mayBeSandbox(domain string) bool {
	if _, _, err := net.SplitHostPort(domain); err == nil {
		return true // an explicit port: Auth0 is on the default one
	}
	host := strings.Trim(domain, "[]")
	return net.ParseIP(host) != nil || !strings.Contains(host, ".")
}

// SandboxEnds says why a sandbox tenant's writes cut off are never
// settled: `linkdesk resume` has no tenant to read.
const SandboxEnds = "the sandbox tenant ends with this linkdesk, and so does what was cut off: nothing is left to settle"

// UsageError is an error in what the operator asked for (flags, files,
// configuration): the command line exits 2 with it.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// With makes a session of a tenant already connected (t may be nil: a
// session that only looks at a report), with cfg's state paths, operator
// and read-only mode. Tests and tools that embed linkdesk use it; Close does
// not close t.
func With(ctx context.Context, t client.Tenant, name string, cfg Config) *Session {
	s := &Session{Tenant: t, Name: name, Sandbox: cfg.Sandbox, ReadOnly: cfg.ReadOnly, Operator: cfg.Operator,
		Paths: PathsFor(cfg), ctx: ctx, stop: func() {}}
	if s.Operator == "" {
		s.Operator = DefaultOperator()
	}
	return s
}

func (s *Session) startSandbox(ctx context.Context, cfg Config) error {
	tenant, err := sandboxTenant(cfg)
	if err != nil {
		return err
	}
	srv, err := emulator.New(emulator.Options{Tenant: tenant, SearchLag: emulator.DefaultSearchLag})
	if err != nil {
		return err
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		srv.Close()
		return fmt.Errorf("start the sandbox tenant: %w", err)
	}
	t, err := client.New(ctx, client.Config{
		Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(),
		ReadOnly: cfg.ReadOnly, PollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		srv.Close()
		return err
	}
	// Named apart from every other run's by the emulator's run: the
	// sandbox ends with this one, and a later one may get its address (its
	// plans, journals and records are not this one's to settle or undo).
	s.Tenant, s.Name, s.Sandbox = t, emulator.TenantName(srv.Run(), t.Domain()), true
	s.secrets = []string{srv.ClientSecret()}
	s.stop = func() { srv.Close() }
	return nil
}

// sandboxTenant is the tenant a sandbox starts with: the fixture file, or
// the generated tenant of Users and Seed.
func sandboxTenant(cfg Config) (*emulator.Tenant, error) {
	if cfg.Fixture != "" {
		t, err := emulator.LoadFixture(cfg.Fixture)
		if err != nil {
			return nil, UsageError{fmt.Errorf("--fixture: %w", err)}
		}
		return t, nil
	}
	users, seed := cfg.Users, cfg.Seed
	if users <= 0 {
		users = SandboxUsers
	}
	if seed == 0 {
		seed = 1
	}
	return gen.Generate(gen.GenOptions{Users: users, Seed: seed}), nil
}

// Close closes the audit log and stops a sandbox tenant.
func (s *Session) Close() error {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	var err error
	if s.log != nil {
		err = s.log.Close()
		s.log = nil
	}
	s.snapMu.Lock()
	stop := s.stop
	s.snapMu.Unlock()
	stop()
	return err
}

// Context is the program's context: cancelled when the program stops.
func (s *Session) Context() context.Context { return s.ctx }

// Secrets are the credentials of the session, never to be printed.
func (s *Session) Secrets() []string { return s.secrets }

// ErrNoTenant is the error of a call on a session without a tenant.
var ErrNoTenant = errors.New("no tenant connected")

// Connections reads the tenant's connections once and keeps them for the
// session: every scan, plan and re-read group of the session is classified
// with the same settings, for one request.
func (s *Session) Connections(ctx context.Context) (*linking.Connections, error) {
	if s.Tenant == nil {
		return nil, ErrNoTenant
	}
	s.connsMu.Lock()
	defer s.connsMu.Unlock()
	if s.conns != nil {
		return s.conns, nil
	}
	conns, err := scan.ReadConnections(ctx, s.Tenant)
	if err != nil {
		return nil, Explain(err)
	}
	s.conns = conns
	return conns, nil
}

// Scan scans the tenant (or req.Email) with the session's connections.
// The report names the tenant as the session does. A scan that brings the
// snapshot up to date also reads by id the accounts that the audit log
// shows linkdesk wrote on this tenant since (req.Written, unless given).
func (s *Session) Scan(ctx context.Context, req scan.Request) (*linking.Report, error) {
	if req.Connections == nil {
		if req.Progress != nil {
			req.Progress(scan.Progress{Stage: "connections"})
		}
		conns, err := s.Connections(ctx)
		if err != nil {
			return nil, err
		}
		req.Connections = conns
	}
	if req.Email == "" && req.Snapshot == "" {
		req.Snapshot = s.SnapshotDir()
	}
	if req.Tenant == "" {
		req.Tenant = s.Name
	}
	if req.Email != "" && req.MoreHolders == nil {
		req.MoreHolders = s.withHolders
	}
	s.written(&req)
	r, err := scan.Tenant(ctx, s.Tenant, req)
	if err != nil {
		return nil, err
	}
	r.Tenant = s.Name
	return r, nil
}

// SnapshotDir is where the session keeps its tenant's snapshot: under the
// state directory, one directory a domain (the runs of a `linkdesk
// emulator` at one address share it: the snapshot's state names the run it
// was taken of, and one of another run is none, which the next scan's
// export replaces, so that a run's scan never brings the run before's
// snapshot up to date, and only one is kept an address); for a sandbox
// tenant, which lives as long as the process, a temporary directory
// removed at Close.
func (s *Session) SnapshotDir() string {
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if s.snapDir != "" || s.Tenant == nil {
		return s.snapDir
	}
	if !s.Sandbox {
		s.snapDir = scan.SnapshotDir(s.Paths.State, s.Tenant.Domain())
		return s.snapDir
	}
	dir, err := os.MkdirTemp("", "linkdesk-sandbox-snapshot-")
	if err != nil {
		return ""
	}
	stop := s.stop
	s.snapDir, s.stop = dir, func() { stop(); os.RemoveAll(dir) }
	return s.snapDir
}

// Snapshot opens the tenant's snapshot, to show before a scan brings it up
// to date (scan.ErrNoSnapshot when there is none).
func (s *Session) Snapshot() (*scan.Snapshot, error) {
	if s.Tenant == nil {
		return nil, ErrNoTenant
	}
	return scan.OpenSnapshot(s.SnapshotDir(), s.Name)
}

// Users reads users by id (consistent); a missing one is a refusal
// (linking.CheckUserMissing).
func (s *Session) Users(ctx context.Context, ids ...string) ([]client.User, error) {
	if s.Tenant == nil {
		return nil, ErrNoTenant
	}
	users, err := linking.ReadUsers(ctx, s.Tenant, ids...)
	if se, ok := linking.AsSafetyError(err); ok && se.Check == linking.CheckUserMissing && len(se.UserIDs) == 1 {
		// An identity linked away is not gone: say where it lives.
		if owners, ferr := s.linkedInto(ctx, se.UserIDs[0]); ferr == nil && len(owners) > 0 {
			se.Reason += fmt.Sprintf(": it is an identity linked into %s (`linkdesk show %s` shows it; unlink it to make it an account again)", owners[0].UserID, se.UserIDs[0])
		}
	}
	return users, err
}

// Access reads the roles and organization memberships of users, which a
// link carries over and an undo gives back.
func (s *Session) Access(ctx context.Context, ids ...string) (map[string]linking.Access, error) {
	if s.Tenant == nil {
		return nil, ErrNoTenant
	}
	return linking.ReadAccess(ctx, s.Tenant, ids...)
}

// ReadGroup re-reads the accounts of one email (users-by-email with the
// case-insensitive search, search hits read again by id, and the accounts
// the snapshot shows holding it through a linked identity or under another
// spelling, read by id) and classifies them again, as after a write,
// without a rescan.
func (s *Session) ReadGroup(ctx context.Context, email string) (*linking.Group, error) {
	conns, err := s.Connections(ctx)
	if err != nil {
		return nil, err
	}
	// As find reads an email: the lower-case spelling too, which a
	// database account holds and users-by-email finds at once (the search
	// finds it only once it has caught up, after an unlink say).
	users, err := s.findEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("re-reading %s: %w", email, err)
	}
	g := &linking.Group{Email: linking.NormalizeEmail(email)}
	if g.Email == "" {
		g.Email = strings.TrimSpace(email)
	}
	for _, u := range users {
		a := linking.AccountFromUser(u, conns)
		g.Accounts = append(g.Accounts, &a)
	}
	linking.Classify(g, conns)
	return g, nil
}

// NewPlan starts a plan for this tenant, made by the session's operator.
func (s *Session) NewPlan(ops ...linking.Operation) *linking.Plan {
	p := linking.NewPlan(s.Name, s.Operator, time.Now())
	p.Add(ops...)
	return p
}

// NamedPlan is NewPlan of ops read from users, the accounts they name known
// by their primary identifiers too: the dry run, the plan copy, resume and
// the audit log name a family member by username, also once it is gone.
func (s *Session) NamedPlan(conns *linking.Connections, users []client.User, ops ...linking.Operation) *linking.Plan {
	linking.NameAccounts(ops, users, conns)
	return s.NewPlan(ops...)
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
