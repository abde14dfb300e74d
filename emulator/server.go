package emulator

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSearchLag is how long a write takes to reach Auth0's user search
// and its log, roughly: go-auth0's own end-to-end tests wait a second
// before they search for a user they made. The sandbox of linkdesk demo and
// linkdesk emulator lag so by default; tests choose their own.
const DefaultSearchLag = time.Second

// Options configure a sandbox tenant.
type Options struct {
	// Tenant is the initial data. The server takes it over and never changes
	// the users in it (it stores new ones on writes), so it may be shared
	// with other servers. nil, or no connections, means the default
	// connections (a database, google-oauth2, sms).
	Tenant        *Tenant
	ClientID      string        // default "sandbox-client"
	ClientSecret  string        // default: random
	Scopes        []string      // scopes granted to ClientID; default DefaultScopes
	ExtraClients  []Client      // more machine-to-machine clients
	Rate          float64       // tokens per second; 0 means 16; negative means unlimited (headers still sent)
	Burst         int           // bucket size; 0 means 50
	FailRate      float64       // probability that a request fails (see the Fault kinds)
	Latency       time.Duration // mean added latency per request, with ±50% jitter
	TokenTTL      time.Duration // access token lifetime; 0 means 24h
	ExportLinkTTL time.Duration // how long an export location stays valid; 0 means 60s
	SearchLag     time.Duration // how long writes take to reach user search and the log; 0 = immediate (DefaultSearchLag is Auth0's)
	// RateProfile, when set ("free", "paid", "enterprise"), sets Rate and
	// Burst to the profile's global bucket and adds its per-endpoint-group
	// buckets (users read, users write, connections).
	RateProfile string
	FailExports bool  // export jobs end with status "failed"
	Seed        int64 // for the fault and latency generator
	// HoldWriteReplies carries a write out at once and then holds its
	// answer this long (or until the client goes away): a client killed
	// meanwhile had its request reach the tenant, which acted, and never
	// heard of it. Tests of interrupted writes use it.
	HoldWriteReplies time.Duration
}

// Stats counts what the server has seen since it started.
type Stats struct {
	Requests    map[string]int64 // by "METHOD /route-pattern", e.g. "POST /api/v2/users/{id}/identities"; "GET (no route)" for 404s
	APICalls    int64            // requests under /api/v2
	Writes      int64            // POST, PATCH and DELETE requests under /api/v2
	RateLimited int64            // 429 answers
	Faults      map[string]int64 // injected faults by kind (FaultInternal…)
	// Effects counts the writes that changed the tenant, by route (the keys
	// of Requests). A write answered with an error, refused by the rate
	// limit or a fault, or that changed nothing (a DELETE of a user already
	// gone, a PATCH to the values already there) is not counted; a write
	// whose answer was lost (FaultLostReply) is.
	Effects      map[string]int64
	TokensIssued int64
	// ExpiredTokens counts the requests refused because their access token
	// had expired (401 with "Expired token" in the message).
	ExpiredTokens int64
}

// Routes of the writes counted in Stats.Effects.
const (
	RoutePatchUser  = "PATCH /api/v2/users/{id}"
	RouteDeleteUser = "DELETE /api/v2/users/{id}"
	RouteCreateUser = "POST /api/v2/users"
	RouteLink       = "POST /api/v2/users/{id}/identities"
	RouteUnlink     = "DELETE /api/v2/users/{id}/identities/{provider}/{user_id}"

	RouteAssignRoles       = "POST /api/v2/users/{id}/roles"
	RouteRemoveRoles       = "DELETE /api/v2/users/{id}/roles"
	RouteAddMembers        = "POST /api/v2/organizations/{id}/members"
	RouteRemoveMembers     = "DELETE /api/v2/organizations/{id}/members"
	RouteVerificationEmail = "POST /api/v2/jobs/verification-email"
	RouteUnblock           = "DELETE /api/v2/user-blocks/{id}"
)

// Server is a sandbox tenant: a stateful emulator of the Auth0 Management
// API. It is safe for concurrent use.
type Server struct {
	opts    Options
	clients map[string]Client
	scopes  map[string][]string // route pattern → the scopes it needs, any of them
	st      *store
	tokens  *tokenStore
	limiter *bucket
	groups  map[string]*bucket // endpoint group → its bucket, under a rate profile
	chaos   *chaos
	exports *exportJobs
	jobs    *jobTable // verification-email jobs
	events  *eventLog
	mux     *http.ServeMux
	root    http.Handler // mux, every answer carrying RunHeader
	signKey []byte       // signs export download links
	run     string       // this tenant's run id (Run)

	statsMu sync.Mutex
	stats   Stats

	skew atomic.Int64 // added to the clock (tests move time forward)

	mu      sync.Mutex
	servers []*http.Server
	closed  bool
}

// New builds a sandbox tenant from opts.
func New(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		opts.ClientID = "sandbox-client"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = randomToken(36)
	}
	if opts.Scopes == nil {
		opts.Scopes = DefaultScopes
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 24 * time.Hour
	}
	var profile rateProfile
	if opts.RateProfile != "" {
		var ok bool
		if profile, ok = RateProfiles[opts.RateProfile]; !ok {
			return nil, fmt.Errorf("emulator: unknown rate profile %q (free, paid or enterprise)", opts.RateProfile)
		}
		opts.Rate, opts.Burst = profile.rate, profile.burst
	}
	if opts.ExportLinkTTL <= 0 {
		opts.ExportLinkTTL = 60 * time.Second
	}
	tenant := opts.Tenant
	if tenant == nil {
		tenant = &Tenant{}
	}
	st, err := newStore(tenant, opts.SearchLag)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    opts,
		clients: map[string]Client{opts.ClientID: {ID: opts.ClientID, Secret: opts.ClientSecret, Scopes: opts.Scopes, Name: "Sandbox Management Client"}},
		st:      st,
		tokens:  &tokenStore{tokens: map[string]accessToken{}, ttl: opts.TokenTTL},
		limiter: newBucket(opts.Rate, opts.Burst, time.Now()),
		chaos:   &chaos{rng: rand.New(rand.NewSource(opts.Seed)), failRate: opts.FailRate, latency: opts.Latency},
		exports: newExportJobs(),
		jobs:    &jobTable{jobs: map[string]*job{}},
		events:  &eventLog{},
		signKey: []byte(randomToken(32)),
		run:     newRun(),
		stats:   Stats{Requests: map[string]int64{}, Faults: map[string]int64{}, Effects: map[string]int64{}},
	}
	if len(profile.groups) > 0 {
		s.groups = map[string]*bucket{}
		for g, l := range profile.groups {
			s.groups[g] = newGroupBucket(l, time.Now())
		}
	}
	for _, c := range opts.ExtraClients {
		if c.ID == "" || s.clients[c.ID].ID != "" {
			return nil, fmt.Errorf("emulator: client id %q is empty or taken", c.ID)
		}
		s.clients[c.ID] = c
	}
	s.routes()
	s.root = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(RunHeader, s.run)
		s.mux.ServeHTTP(w, r)
	})
	return s, nil
}

// RunHeader is the header every answer of a sandbox tenant carries, naming
// its run (Server.Run). Auth0 sends no such header, and clients ignore one
// they do not know: only linkdesk reads it, to tell this tenant from one
// served at the same address before or after it.
const RunHeader = "X-Linkdesk-Sandbox-Run"

// Run is eight hex digits made when the server was built, that tell this
// sandbox tenant from every other served at its address: its state lives
// in memory, so a tenant started again (even from the same fixture, or the
// dump of this one) is another tenant, without the writes made here since.
// linkdesk names a sandbox tenant "sandbox RUN (HOST:PORT)", and its
// journals, locks and audit records by that name.
func (s *Server) Run() string { return s.run }

// newRun: two runs at one address (a port used again) share a name, and
// so their journals, once in 4 billion (four digits: once in 65,536).
func newRun() string {
	var b [4]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// route describes how the middleware treats a pattern.
type route struct {
	group  string   // endpoint group, for the group buckets of a rate profile
	scopes []string // any of these; nil: no bearer token needed
	faults []string // faults that may hit it; nil: none
	// operation names a Management API write in its sapi log event; ""
	// for reads.
	operation string
}

// operations are the descriptions of the sapi events of writes.
var operations = map[string]string{
	RouteCreateUser: "Create a User", RoutePatchUser: "Update a User", RouteDeleteUser: "Delete a User",
	RouteLink: "Link a User Account", RouteUnlink: "Unlink a User Account",
	RouteAssignRoles: "Assign roles to a user", RouteRemoveRoles: "Remove roles from a user",
	RouteAddMembers: "Add members to an organization", RouteRemoveMembers: "Delete members from an organization",
	"POST /api/v2/jobs/users-exports": "Create an export users job", RouteVerificationEmail: "Send a verification email",
	"POST /api/v2/tickets/password-change": "Create a password change ticket", RouteUnblock: "Unblock a user",
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.scopes = map[string][]string{}
	api := func(pattern string, h http.HandlerFunc, scopes ...string) {
		s.scopes[pattern] = scopes
		faults := readFaults
		if m, _, _ := strings.Cut(pattern, " "); m != http.MethodGet {
			faults = writeFaults
		}
		s.handle(pattern, route{scopes: scopes, faults: faults, operation: operations[pattern], group: routeGroup(pattern)}, h)
	}
	s.handle("POST /oauth/token", route{}, s.handleToken)
	s.handle("GET /.well-known/jwks.json", route{}, s.handleJWKS)
	s.handle("GET /.well-known/openid-configuration", route{}, s.handleOpenIDConfiguration)
	api("GET /api/v2/users", s.handleListUsers, "read:users")
	api(RouteCreateUser, s.handleCreateUser, "create:users")
	api("GET /api/v2/users/{id}", s.handleGetUser, "read:users")
	api(RoutePatchUser, s.handlePatchUser, "update:users", "update:users_app_metadata")
	api(RouteDeleteUser, s.handleDeleteUser, "delete:users")
	api("GET /api/v2/users-by-email", s.handleUsersByEmail, "read:users")
	api(RouteLink, s.handleLink, "update:users")
	api(RouteUnlink, s.handleUnlink, "update:users")
	api("GET /api/v2/connections", s.handleListConnections, "read:connections")
	api("GET /api/v2/connections/{id}", s.handleGetConnection, "read:connections")
	api("POST /api/v2/jobs/users-exports", s.handleCreateExport, "read:users")
	api("GET /api/v2/jobs/{id}", s.handleGetJob, "read:users", "create:users", "update:users")
	api("POST /api/v2/tickets/password-change", s.handlePasswordTicket, "create:user_tickets")
	api("GET /api/v2/roles", s.handleListRoles, "read:roles")
	api("GET /api/v2/users/{id}/roles", s.handleUserRoles, "read:users", "read:roles", "read:role_members")
	api(RouteAssignRoles, s.handleAssignRoles, "update:users", "create:role_members")
	api(RouteRemoveRoles, s.handleRemoveRoles, "update:users", "delete:role_members")
	api("GET /api/v2/organizations", s.handleListOrganizations, "read:organizations")
	api("GET /api/v2/users/{id}/organizations", s.handleUserOrganizations, "read:organizations", "read:users")
	api(RouteAddMembers, s.handleAddMembers, "create:organization_members")
	api(RouteRemoveMembers, s.handleRemoveMembers, "delete:organization_members")
	api(RouteVerificationEmail, s.handleVerificationEmail, "update:users")
	api("GET /api/v2/logs", s.handleListLogs, "read:logs")
	api("GET /api/v2/logs/{id}", s.handleGetLog, "read:logs")
	api("GET /api/v2/users/{id}/logs", s.handleUserLogs, "read:logs", "read:logs_users")
	api("GET /api/v2/user-blocks/{id}", s.handleUserBlocks, "read:users")
	api(RouteUnblock, s.handleUnblock, "update:users")
	s.handle("GET "+exportPathPrefix+"{file}", route{}, s.handleDownload)
	s.handle("/", route{}, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errNoRoute)
	})
}

// RouteScopes are the scopes a route ("METHOD pattern", as registered)
// needs, any one of them being enough; nil for a route not served.
func (s *Server) RouteScopes(pattern string) []string { return slices.Clone(s.scopes[pattern]) }

// handle registers h behind the middleware: statistics, latency, the rate
// limit, the bearer token and scope check, and fault injection.
func (s *Server) handle(pattern string, rt route, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		api := r.URL.Path == "/api/v2" || strings.HasPrefix(r.URL.Path, "/api/v2/")
		write := api && (r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodDelete)
		key := pattern
		if pattern == "/" {
			key = r.Method + " (no route)"
		}
		s.count(func(st *Stats) {
			st.Requests[key]++
			if api {
				st.APICalls++
			}
			if write {
				st.Writes++
			}
		})
		if s.chaos.delay(r.Context()) != nil {
			return
		}
		now := s.now()
		rl := s.limiter.take(now, api)
		refusal := errRateLimited
		if gb := s.groups[rt.group]; gb != nil && rl.ok {
			if g := gb.take(now, true); !g.ok {
				rl, refusal = g, errGroupRateLimited
			} else {
				rl = tighter(rl, g)
			}
		}
		rl.setHeaders(w.Header())
		if !rl.ok {
			s.count(func(st *Stats) { st.RateLimited++ })
			writeError(w, refusal)
			return
		}
		if rt.scopes != nil {
			tok, err := s.tokens.check(r, rt.scopes, s.now())
			if err != nil {
				if err == errTokenExpired {
					s.count(func(st *Stats) { st.ExpiredTokens++ })
				}
				writeError(w, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), callerKey{}, tok))
		}
		serve := h
		if rt.operation != "" {
			serve = s.logged(rt.operation, h)
		}
		if write && s.opts.HoldWriteReplies > 0 {
			serve = held(serve, s.opts.HoldWriteReplies)
		}
		if rt.faults != nil {
			s.inject(s.chaos.fault(rt.faults), w, r, serve)
			return
		}
		serve(w, r)
	})
}

// logged wraps a write's handler: when it succeeds, the tenant's log gets
// its sapi event, with the request and the answer (passwords masked).
func (s *Server) logged(operation string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reqBody, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, newAPIError(http.StatusRequestEntityTooLarge, "payload_too_large", "Payload too large"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		rec := &recorder{ResponseWriter: w}
		h(rec, r)
		if rec.status >= 400 {
			return
		}
		tok := caller(r)
		// Recorded: the token's scopes for user operations, nothing for others.
		credentials := map[string]any{}
		if strings.HasPrefix(r.URL.Path, "/api/v2/users") {
			credentials["scopes"] = tok.scopes
		}
		query := map[string]string{}
		for k, v := range r.URL.Query() {
			query[k] = v[0]
		}
		details, _ := json.Marshal(map[string]any{
			"request": map[string]any{
				"auth":    map[string]any{"credentials": credentials, "strategy": "jwt", "user": map[string]any{}},
				"body":    requestBody(reqBody),
				"channel": "api", "ip": remoteIP(r), "method": strings.ToLower(r.Method), "path": r.URL.EscapedPath(),
				"query": query, "userAgent": r.UserAgent(),
			},
			"response": map[string]any{"body": maskPassword(rec.body.Bytes()), "statusCode": rec.status},
		})
		s.record(event{typ: EventAPIOperation, description: operation, clientID: tok.clientID, clientName: ptr(""),
			ip: remoteIP(r), details: details})
	}
}

// requestBody is a request's body as its log event keeps it: null without
// one (recorded: a DELETE's), else masked as maskPassword does.
func requestBody(body []byte) json.RawMessage {
	if len(bytes.TrimSpace(body)) == 0 {
		return json.RawMessage("null")
	}
	return maskPassword(body)
}

// maskPassword is a JSON object with any password masked as Auth0's log
// does ("*****"); anything else (no body, an array) gives {} or the value.
func maskPassword(body []byte) json.RawMessage {
	if len(bytes.TrimSpace(body)) == 0 {
		return json.RawMessage("{}")
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		if json.Valid(body) {
			return body
		}
		return json.RawMessage("{}")
	}
	if _, ok := m["password"]; ok {
		m["password"] = json.RawMessage(`"*****"`)
	}
	out, _ := json.Marshal(m)
	return out
}

// recorder keeps a handler's status and (the first 64 KiB of) its answer.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rc *recorder) WriteHeader(code int) {
	rc.status = code
	rc.ResponseWriter.WriteHeader(code)
}

func (rc *recorder) Write(p []byte) (int, error) {
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	if rc.body.Len() < 64<<10 {
		rc.body.Write(p[:min(len(p), 64<<10-rc.body.Len())])
	}
	return rc.ResponseWriter.Write(p)
}

// inject serves r with the fault kind ("" for none).
func (s *Server) inject(kind string, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	if kind == "" {
		h(w, r)
		return
	}
	s.countFault(kind)
	switch kind {
	case FaultInternal:
		writeError(w, newAPIError(http.StatusInternalServerError, "internal_error", "Internal Server Error"))
	case FaultUnavailable:
		writeError(w, newAPIError(http.StatusServiceUnavailable, "service_unavailable", "Service Unavailable"))
	case FaultDrop:
		dropConnection()
	case FaultLostReply:
		h(&discardWriter{}, r)
		dropConnection()
	}
}

// now is the tenant's clock: token expiry, link expiry, search lag and
// timestamps all read it.
func (s *Server) now() time.Time { return time.Now().Add(time.Duration(s.skew.Load())) }

// AdvanceClock moves the tenant's clock forward by d: every access token
// and export link issued before now-d+lifetime has expired, as after a clock
// jump on the tenant's side. Tests use it to expire tokens mid-run.
func (s *Server) AdvanceClock(d time.Duration) { s.skew.Add(int64(d)) }

func (s *Server) count(fn func(*Stats)) {
	s.statsMu.Lock()
	fn(&s.stats)
	s.statsMu.Unlock()
}

func (s *Server) countFault(kind string)   { s.count(func(st *Stats) { st.Faults[kind]++ }) }
func (s *Server) countToken()              { s.count(func(st *Stats) { st.TokensIssued++ }) }
func (s *Server) countEffect(route string) { s.count(func(st *Stats) { st.Effects[route]++ }) }

// Handler returns the tenant's HTTP handler, for serving it in-process (for
// example with httptest).
func (s *Server) Handler() http.Handler { return s.root }

// Start serves plain HTTP on addr ("127.0.0.1:0" picks a port) and returns
// the base URL, e.g. "http://127.0.0.1:43211".
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	return s.serve(ln, "http", nil)
}

// StartTLS serves HTTPS on addr with a fresh self-signed certificate for
// 127.0.0.1, ::1 and localhost, whose PEM it writes to certOut (0644), so
// that SSL_CERT_FILE=certOut makes unmodified clients trust it. It returns
// the base URL, e.g. "https://127.0.0.1:43211".
func (s *Server) StartTLS(addr, certOut string) (string, error) {
	cfg, certPEM, err := selfSignedTLS(time.Now())
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(certOut, certPEM, 0o644); err != nil {
		return "", err
	}
	if err := os.Chmod(certOut, 0o644); err != nil { // whatever the umask or an older file said
		return "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	return s.serve(ln, "https", cfg)
}

func (s *Server) serve(ln net.Listener, scheme string, tlsCfg *tls.Config) (string, error) {
	srv := &http.Server{Handler: s.root, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tlsCfg}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return "", errors.New("emulator: server closed")
	}
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	go func() {
		if tlsCfg != nil {
			srv.ServeTLS(ln, "", "")
		} else {
			srv.Serve(ln)
		}
	}()
	return scheme + "://" + dialableAddr(ln.Addr()), nil
}

// dialableAddr turns a listener address into one a client can dial: an
// unspecified host (":8080", "[::]:8080") becomes 127.0.0.1.
func dialableAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// Close stops serving at once, stops export jobs and removes their files.
func (s *Server) Close() error {
	return s.shutdown(nil)
}

// shutdown stops the servers: gracefully within ctx, or at once when ctx is
// nil or done.
func (s *Server) shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	servers := s.servers
	s.mu.Unlock()
	var errs []error
	for _, srv := range servers {
		if ctx != nil && srv.Shutdown(ctx) == nil {
			continue
		}
		if err := srv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.exports.close())
	return errors.Join(errs...)
}

// ClientID is the id of the machine-to-machine client.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret is its secret.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	st := s.stats
	st.Requests = maps.Clone(s.stats.Requests)
	st.Faults = maps.Clone(s.stats.Faults)
	st.Effects = maps.Clone(s.stats.Effects)
	return st
}

// UserCount is the number of users (linked identities are not users).
func (s *Server) UserCount() int {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	return s.st.users.len()
}

// Snapshot returns a deep copy of the tenant as it is now.
func (s *Server) Snapshot() *Tenant {
	s.st.mu.RLock()
	users := s.st.users.users()
	conns := s.st.conns
	t := &Tenant{Connections: make([]*Connection, len(conns)), Users: make([]*User, len(users))}
	for _, r := range s.st.roles {
		rr := *r
		t.Roles = append(t.Roles, &rr)
	}
	for _, o := range s.st.orgs {
		oo := *o
		t.Organizations = append(t.Organizations, &oo)
	}
	s.st.mu.RUnlock()
	for i, c := range conns {
		t.Connections[i] = cloneConnection(c)
	}
	for i, u := range users {
		t.Users[i] = u.Clone()
	}
	return t
}

// GetUser reads one user, consistently, as a copy.
func (s *Server) GetUser(id string) (*User, bool) {
	u := s.st.getUser(id)
	if u == nil {
		return nil, false
	}
	return u.Clone(), true
}

// held serves r with h into a buffer and sends the answer only after d, or
// not at all when the client went away meanwhile (HoldWriteReplies).
func held(h http.HandlerFunc, d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &heldAnswer{header: http.Header{}}
		h(rec, r.WithContext(context.WithoutCancel(r.Context())))
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		w.WriteHeader(rec.status)
		w.Write(rec.body.Bytes())
	}
}

// heldAnswer is an answer kept until it may be sent.
type heldAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *heldAnswer) Header() http.Header { return a.header }
func (a *heldAnswer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}
func (a *heldAnswer) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.body.Write(p)
}
