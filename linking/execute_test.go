package linking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// Accounts of emulator/testdata/small.json the tests act on.
const (
	aliceDB     = "auth0|63ea1f0b2c8d4e5f60718293"      // user_metadata and app_metadata
	aliceGoogle = "google-oauth2|108812345678901234567" // conflicting metadata
	mariaGitHub = "github|5832311"                      // verified
	mariaDB     = "auth0|672614a0b1c2d3e4f5061728"      // email not verified
	weiDB       = "auth0|5f1a2b3c4d5e6f7081920a1b"      // three accounts, no metadata
	weiGoogle   = "google-oauth2|114455667788990011223" //
	weiGitHub   = "github|9007199254740993"             // an id beyond 2^53
	samDB       = "auth0|60d5ec49f1a2b3c4d5e6f708"      // google-oauth2|101202303404505606707 linked into it
	samGoogle   = "google-oauth2|101202303404505606707" //
	mikeFamily  = "auth0|64b7c8d9e0f1a2b3c4d5e6f7"      // family-accounts: Non-Unique Emails
	liamFamily  = "auth0|65c0d1e2f3a4b5c6d7e8f901"      //
	blockedUser = "auth0|64c4d4e4f4a4b4c4d4e4f4a4"      //
	johnSAML    = "samlp|acme-corp|John.Doe@Acme.com"   // a "/"-free id with "|" inside the id part
	fixturePath = "../emulator/testdata/small.json"     //
	unknownUser = "auth0|000000000000000000000000"      //
	userRoute   = "GET /api/v2/users/{id}"              //
	linkRoute   = "POST /api/v2/users/{id}/identities"  //
	patchRoute  = "PATCH /api/v2/users/{id}"            //
	deleteRoute = "DELETE /api/v2/users/{id}"           //
	unlinkRoute = "DELETE /api/v2/users/{id}/identities/{provider}/{user_id}"
)

var fixtureOnce = sync.OnceValues(func() (*emulator.Tenant, error) { return emulator.LoadFixture(fixturePath) })

// sandbox is one test's tenant: the emulator, a real client over HTTP, and
// the files of the record.
type sandbox struct {
	t       *testing.T
	srv     *emulator.Server
	base    string
	tenant  client.Tenant
	dir     string
	log     *audit.Log
	backups *audit.Backups
	// requests lists the writes the client sent (method, escaped path, body).
	mu       sync.Mutex
	requests []linking.Call
	tokens   []string
}

func newSandbox(t *testing.T, opts emulator.Options) *sandbox {
	t.Helper()
	if opts.Tenant == nil {
		ten, err := fixtureOnce()
		if err != nil {
			t.Fatal(err)
		}
		opts.Tenant = ten
	}
	if opts.Rate == 0 {
		opts.Rate = -1 // unlimited unless the test is about rate limits
	}
	sb := &sandbox{t: t, dir: t.TempDir()}
	sb.srv, sb.base = emulatortest.Start(t, opts)
	sb.tenant = sb.connect(false)
	var err error
	if sb.log, err = audit.OpenLog(filepath.Join(sb.dir, "audit.log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.log.Close() })
	if sb.backups, err = audit.OpenBackups(filepath.Join(sb.dir, "backups")); err != nil {
		t.Fatal(err)
	}
	audit.RegisterSecret(sb.srv.ClientSecret())
	return sb
}

// connect makes a new client (a new process, as far as the tenant knows).
func (sb *sandbox) connect(readOnly bool) client.Tenant {
	sb.t.Helper()
	tn, err := client.New(context.Background(), client.Config{
		Domain: sb.base, ClientID: sb.srv.ClientID(), ClientSecret: sb.srv.ClientSecret(),
		ReadOnly: readOnly, Transport: recorder{sb},
	})
	if err != nil {
		sb.t.Fatal(err)
	}
	return tn
}

// recorder notes every write request and every access token the tenant hands out.
type recorder struct{ sb *sandbox }

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	r.sb.mu.Lock()
	defer r.sb.mu.Unlock()
	switch {
	case req.URL.Path == "/oauth/token" && err == nil:
		data, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(data))
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(data, &tok) == nil && tok.AccessToken != "" {
			r.sb.tokens = append(r.sb.tokens, tok.AccessToken)
		}
	case req.Method != http.MethodGet && strings.HasPrefix(req.URL.Path, "/api/v2/"):
		r.sb.requests = append(r.sb.requests, linking.Call{Method: req.Method, Path: req.URL.EscapedPath(), Body: bytes.TrimSpace(body)})
	}
	return resp, err
}

func (sb *sandbox) writesSent() []linking.Call {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return slices.Clone(sb.requests)
}

func (sb *sandbox) executor() *linking.Executor {
	return &linking.Executor{Tenant: sb.tenant, TenantName: "sandbox", Operator: "tester", Log: sb.log, Backups: sb.backups}
}

func (sb *sandbox) user(id string) (client.User, bool) {
	sb.t.Helper()
	u, err := sb.tenant.User(context.Background(), id)
	if client.IsNotFound(err) {
		return client.User{}, false
	}
	if err != nil {
		sb.t.Fatal(err)
	}
	return u, true
}

func (sb *sandbox) mustUser(id string) client.User {
	sb.t.Helper()
	u, ok := sb.user(id)
	if !ok {
		sb.t.Fatalf("%s does not exist", id)
	}
	return u
}

func (sb *sandbox) users(ids ...string) []client.User {
	sb.t.Helper()
	out := make([]client.User, len(ids))
	for i, id := range ids {
		out[i] = sb.mustUser(id)
	}
	return out
}

func (sb *sandbox) conns() *linking.Connections {
	sb.t.Helper()
	c, err := scan.ReadConnections(context.Background(), sb.tenant)
	if err != nil {
		sb.t.Fatal(err)
	}
	return c
}

// group scans one address and returns its group.
func (sb *sandbox) group(email string) *linking.Group {
	sb.t.Helper()
	r, err := scan.Tenant(context.Background(), sb.tenant, scan.Request{Email: email})
	if err != nil {
		sb.t.Fatal(err)
	}
	for _, g := range r.Groups {
		if g.Email == email {
			return g
		}
	}
	sb.t.Fatalf("no group for %s", email)
	return nil
}

// planLink plans linking the secondaries into primary as the tenant holds
// them now, the test failing if the planner refuses.
func (sb *sandbox) planLink(opts linking.LinkOptions, primary string, secondaries ...string) []linking.Operation {
	sb.t.Helper()
	ops, err := linking.PlanLink(sb.mustUser(primary), sb.users(secondaries...), sb.conns(), opts)
	if err != nil {
		sb.t.Fatal(err)
	}
	return ops
}

func (sb *sandbox) plan(ops ...linking.Operation) *linking.Plan {
	p := linking.NewPlan("sandbox", "tester", testNow)
	p.Add(ops...)
	return p
}

// journaledExecutor is an executor of p that keeps its journal in the
// sandbox's directory (apply.journal), closed when the test ends.
func (sb *sandbox) journaledExecutor(t testing.TB, p *linking.Plan) *linking.Executor {
	t.Helper()
	j, err := audit.OpenJournal(filepath.Join(sb.dir, "apply.journal"), p.ID, p.StepIDs())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ex := sb.executor()
	ex.Journal = j
	return ex
}

func (sb *sandbox) apply(p *linking.Plan) *linking.Result {
	sb.t.Helper()
	res, err := sb.executor().Apply(context.Background(), p)
	if err != nil {
		sb.t.Fatalf("apply: %v", err)
	}
	if !res.Complete() {
		sb.t.Fatalf("apply incomplete: %+v", res)
	}
	return res
}

func (sb *sandbox) auditRecords() []audit.Record {
	sb.t.Helper()
	recs, skipped, err := audit.ReadLog(sb.log.Path())
	if err != nil || len(skipped) > 0 {
		sb.t.Fatalf("audit log: %v %v", err, skipped)
	}
	return recs
}

// checkRecord asserts that every attempt in the audit log has a result, and
// that neither the client secret nor any access token is in any file the
// run wrote.
func (sb *sandbox) checkRecord() {
	sb.t.Helper()
	attempts, results := map[string]audit.Record{}, map[string]int{}
	for _, r := range sb.auditRecords() {
		if r.Operator != "tester" || r.Tenant != "sandbox" || r.Action == "" || len(r.UserIDs) == 0 || len(r.Request) == 0 {
			sb.t.Errorf("incomplete audit record %+v", r)
		}
		if r.Phase == audit.PhaseAttempt {
			attempts[r.OpID] = r
			// A ticket or a verification email changes no data: no backup.
			if r.Action != linking.ActionUnlink && r.Action != linking.ActionTicket && r.Action != linking.ActionVerifyEmail && r.Backup == "" {
				sb.t.Errorf("attempt %s (%s) names no backup", r.OpID, r.Action)
			}
		} else {
			results[r.OpID]++
		}
	}
	for id, a := range attempts {
		if results[id] == 0 {
			sb.t.Errorf("attempt %s (%s %s) has no result", id, a.Action, a.Step)
		}
	}
	for id := range results {
		if _, ok := attempts[id]; !ok {
			sb.t.Errorf("result %s pairs with no attempt", id)
		}
	}
	sb.checkNoSecrets()
}

func (sb *sandbox) checkNoSecrets() {
	sb.t.Helper()
	sb.mu.Lock()
	secrets := append([]string{sb.srv.ClientSecret()}, sb.tokens...)
	sb.mu.Unlock()
	if len(secrets) < 2 {
		sb.t.Fatal("no access token was seen: the secret check would prove nothing")
	}
	filepath.Walk(sb.dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			sb.t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				sb.t.Errorf("%s holds a secret or token", path)
			}
		}
		return nil
	})
}

func refusal(t *testing.T, err error, check string) *linking.SafetyError {
	t.Helper()
	se, ok := linking.AsSafetyError(err)
	if !ok {
		t.Fatalf("want a refusal (%s), got %v", check, err)
	}
	if se.Check != check {
		t.Fatalf("refused by %s (%s), want %s", se.Check, se.Reason, check)
	}
	return se
}

func metaJSON(t *testing.T, u client.User) string {
	t.Helper()
	um, am := linking.UserMetadata(u)
	b, err := json.Marshal(map[string]any{"user_metadata": um, "app_metadata": am})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func identityIDs(u client.User) []string {
	var out []string
	for _, id := range u.Identities {
		out = append(out, id.Provider+"|"+id.UserID)
	}
	return out
}

func TestLinkMergesMetadataThenLinksAndBacksUpBoth(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	g := sb.group("alice.nguyen@gmail.com")
	if g.RecommendedPrimary != aliceDB {
		t.Fatalf("recommended primary %s", g.RecommendedPrimary)
	}
	ops, err := linking.PlanGroup(context.Background(), sb.tenant, g, "", sb.conns(), linking.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 || len(ops[0].Steps) != 2 {
		t.Fatalf("plan: %+v", ops)
	}
	op := ops[0]
	var conflicts []string
	for _, c := range op.Merge.Conflicts {
		conflicts = append(conflicts, c.Key())
	}
	want := []string{"user_metadata.preferences.language", "user_metadata.preferences.theme", "app_metadata.plan"}
	if !slices.Equal(conflicts, want) {
		t.Errorf("conflicts %v, want %v", conflicts, want)
	}
	// Only app_metadata changes (roles unioned); user_metadata keeps the primary's values, so it is not sent.
	if got := string(op.Steps[0].Call.Body); got != `{"app_metadata":{"roles":["member","beta"]}}` {
		t.Errorf("PATCH body %s", got)
	}
	p := sb.plan(ops...)
	sb.apply(p)

	if _, ok := sb.user(aliceGoogle); ok {
		t.Error("the secondary is still a user after the link")
	}
	primary := sb.mustUser(aliceDB)
	if got := metaJSON(t, primary); got != `{"app_metadata":{"plan":"pro","roles":["member","beta"]},"user_metadata":{"preferences":{"language":"en","theme":"dark"}}}` {
		t.Errorf("primary metadata after the link: %s", got)
	}
	if !slices.Equal(identityIDs(primary), []string{aliceDB, aliceGoogle}) {
		t.Errorf("primary identities %v", identityIDs(primary))
	}
	// The calls sent are exactly the calls the plan shows.
	sent := sb.writesSent()
	if len(sent) != 2 {
		t.Fatalf("sent %d writes", len(sent))
	}
	for i, s := range p.Operations[0].Steps {
		if sent[i].Method != s.Call.Method || sent[i].Path != s.Call.Path || !sameJSON(sent[i].Body, s.Call.Body) {
			t.Errorf("step %s shows %s, the client sent %s", s.ID, s.Call, sent[i])
		}
	}
	// Backups: both users in full, the secondary's metadata exactly as it was.
	infos, err := sb.backups.List()
	if err != nil || len(infos) != 2 {
		t.Fatalf("backups %v %v", infos, err)
	}
	bk, err := audit.ReadBackup(infos[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	if bk.Action != linking.ActionLink || bk.Users[aliceGoogle] == nil || bk.Users[aliceDB] == nil {
		t.Fatalf("link backup %+v", bk)
	}
	var backedUp client.User
	if err := json.Unmarshal(bk.Users[aliceGoogle], &backedUp); err != nil || metaJSON(t, backedUp) != `{"app_metadata":{"plan":"free","roles":["beta"]},"user_metadata":{"preferences":{"language":"vi","theme":"light"}}}` {
		t.Errorf("the backup lost the secondary's metadata: %s", bk.Users[aliceGoogle])
	}
	recs := sb.auditRecords()
	if len(recs) != 4 {
		t.Fatalf("%d audit records, want attempt+result for 2 calls", len(recs))
	}
	if recs[2].Action != linking.ActionLink || recs[2].Backup != infos[1].Path || recs[2].PlanID != p.ID || recs[2].Step != "op1.link" {
		t.Errorf("link attempt %+v", recs[2])
	}
	if !sameJSON(recs[2].Request, mustMarshal(t, p.Operations[0].Steps[1].Call)) {
		t.Errorf("audit request %s is not the plan's call", recs[2].Request)
	}
	sb.checkRecord()
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLinkWithoutMetadataIsOneCallAndIDsKeepTheirDigits(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	g := sb.group("wei.zhang@gmail.com")
	ops, err := linking.PlanGroup(context.Background(), sb.tenant, g, "", sb.conns(), linking.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 {
		t.Fatalf("%d operations for three accounts", len(ops))
	}
	for _, op := range ops {
		if len(op.Steps) != 1 || op.Steps[0].Action != linking.ActionLink {
			t.Errorf("%s: steps %+v (no metadata: no PATCH)", op.Secondary, op.Steps)
		}
	}
	sb.apply(sb.plan(ops...))
	primary := sb.mustUser(weiDB)
	if !slices.Contains(identityIDs(primary), weiGitHub) || !slices.Contains(identityIDs(primary), weiGoogle) {
		t.Errorf("identities %v", identityIDs(primary))
	}
	for _, id := range []string{weiGitHub, weiGoogle} {
		if _, ok := sb.user(id); ok {
			t.Errorf("%s is still a user", id)
		}
	}
}

func TestUnlinkBringsTheSecondaryBack(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	op, err := linking.PlanUnlink(sb.mustUser(samDB), "google-oauth2", "101202303404505606707", "wrong link")
	if err != nil {
		t.Fatal(err)
	}
	if c := op.Steps[0].Call; c.Path != "/api/v2/users/auth0%7C60d5ec49f1a2b3c4d5e6f708/identities/google-oauth2/101202303404505606707" || c.Method != http.MethodDelete {
		t.Fatalf("unlink call %s", c)
	}
	sb.apply(sb.plan(op))
	back := sb.mustUser(samGoogle)
	if back.Email != "sam.taylor@gmail.com" {
		t.Errorf("unlinked user %+v", back)
	}
	if ids := identityIDs(sb.mustUser(samDB)); !slices.Equal(ids, []string{samDB}) {
		t.Errorf("primary still has %v", ids)
	}
	recs := sb.auditRecords()
	if len(recs) != 2 || recs[0].Reason != "wrong link" {
		t.Errorf("audit %+v", recs)
	}
	sb.checkRecord()
}

// An unlink gives its identity back blocked exactly when the primary is
// blocked: a block set or lifted between plan and apply stops it before
// any write.
func TestABlockChangedSinceAnUnlinkWasPlannedStopsIt(t *testing.T) {
	for _, blockedAtPlan := range []bool{false, true} {
		sb := newSandbox(t, emulator.Options{})
		ctx := context.Background()
		if _, err := sb.tenant.SetBlocked(ctx, samDB, blockedAtPlan); err != nil {
			t.Fatal(err)
		}
		op, err := linking.PlanUnlink(sb.mustUser(samDB), "google-oauth2", "101202303404505606707", "")
		steps := 1 // the unlink; from a blocked primary, the block of what comes back too
		if blockedAtPlan {
			steps = 2
		}
		if err != nil || op.KeepBlocked != blockedAtPlan || len(op.Steps) != steps {
			t.Fatalf("blocked %v: the unlink's plan: %+v, %v", blockedAtPlan, op, err)
		}
		if _, err := sb.tenant.SetBlocked(ctx, samDB, !blockedAtPlan); err != nil {
			t.Fatal(err)
		}
		writes := len(sb.writesSent())
		_, err = sb.executor().Apply(ctx, sb.plan(op))
		refusal(t, err, linking.CheckBlockedAccount)
		if n := len(sb.writesSent()) - writes; n != 0 || len(identityIDs(sb.mustUser(samDB))) != 2 {
			t.Errorf("blocked %v at plan time: %d writes sent after the block changed", blockedAtPlan, n)
		}
	}
}

func TestDeleteOfAPrimaryCascadesAndIsBackedUpFirst(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	before := sb.mustUser(samDB)
	op := linking.PlanDelete(before, "")
	if len(op.Cascade) != 1 || op.Cascade[0].String() != samGoogle {
		t.Fatalf("cascade %v", op.Cascade)
	}
	res := sb.apply(sb.plan(op))
	if _, ok := sb.user(samDB); ok {
		t.Fatal("still there after the delete")
	}
	if _, ok := sb.user(samGoogle); ok {
		t.Fatal("the linked identity survived its primary's deletion")
	}
	bk, err := audit.ReadBackup(res.Steps[0].Backup)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(bk.Users[samDB], before.Raw) {
		t.Errorf("backup\n%s\nis not the full user\n%s", bk.Users[samDB], before.Raw)
	}
	sb.checkRecord()
}

func TestDeleteIsRefusedWithoutABackup(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ex := sb.executor()
	ex.Backups = nil
	_, err := ex.Apply(context.Background(), sb.plan(linking.PlanDelete(sb.mustUser(blockedUser), "")))
	refusal(t, err, linking.CheckBackupRequired)
	if _, ok := sb.user(blockedUser); !ok {
		t.Fatal("deleted without a backup")
	}
	if n := len(sb.writesSent()); n != 0 {
		t.Fatalf("%d writes sent", n)
	}
	if recs := sb.auditRecords(); len(recs) != 0 {
		t.Fatalf("audit records for a refused step: %+v", recs)
	}
}

func TestSafetyChecksRefuse(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	conns := sb.conns()
	link := func(p string, s ...string) error {
		_, err := linking.PlanLink(sb.mustUser(p), sb.users(s...), conns, linking.LinkOptions{})
		return err
	}
	refusal(t, link(aliceDB, aliceDB), linking.CheckSameAccount)
	refusal(t, link(aliceDB, aliceGoogle, aliceGoogle), linking.CheckSameAccount)
	refusal(t, link(mariaGitHub, mariaDB), linking.CheckUnverifiedEmail)
	refusal(t, link(mariaDB, mariaGitHub), linking.CheckUnverifiedEmail) // either side
	// A family's refusal names its members as the family tells them apart.
	if se := refusal(t, link(mikeFamily, liamFamily), linking.CheckNonUniqueEmailConnection); !strings.Contains(se.Reason, "mike.miller ("+mikeFamily+") and liam.miller ("+liamFamily+")") {
		t.Errorf("the refusal does not name the family members: %s", se.Reason)
	}
	// Two profiles of one email in a legacy custom database may be two
	// people: migration, not linking.
	if se := refusal(t, link("auth0|1000123", "auth0|1000456"), linking.CheckLegacyProfiles); !strings.Contains(se.Reason, "need migration, not linking") {
		t.Errorf("the legacy refusal: %s", se.Reason)
	}
	refusal(t, link(aliceDB, samDB), linking.CheckSecondaryHasLinks)
	_, err := linking.ReadUsers(context.Background(), sb.tenant, aliceDB, unknownUser)
	refusal(t, err, linking.CheckUserMissing)
	_, err = linking.PlanUnlink(sb.mustUser(aliceDB), "google-oauth2", "1", "")
	refusal(t, err, linking.CheckNotLinked)
	_, err = linking.PlanUnlink(sb.mustUser(samDB), "auth0", "60d5ec49f1a2b3c4d5e6f708", "")
	refusal(t, err, linking.CheckNotLinked)

	// The override lets it through and says so.
	ops, err := linking.PlanLink(sb.mustUser(mariaGitHub), sb.users(mariaDB), conns, linking.LinkOptions{AllowUnverified: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ops[0].Overrides, []string{linking.CheckUnverifiedEmail}) {
		t.Fatalf("overrides %v", ops[0].Overrides)
	}
	sb.apply(sb.plan(ops...))
	recs := sb.auditRecords()
	if len(recs) == 0 || !slices.Equal(recs[0].Overrides, []string{linking.CheckUnverifiedEmail}) {
		t.Errorf("the audit record does not name the override: %+v", recs)
	}
	if n := len(sb.writesSent()); n != 1 {
		t.Errorf("%d writes: the refusals must send none", n)
	}
}

func TestChangedSincePlanStopsBeforeAnyWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(sb *sandbox)
		want   string
	}{
		{"secondary metadata", func(sb *sandbox) {
			if _, err := sb.tenant.UpdateMetadata(context.Background(), aliceGoogle, map[string]any{"new": 1}, nil); err != nil {
				sb.t.Fatal(err)
			}
		}, aliceGoogle + ": user_metadata changed"},
		{"primary deleted", func(sb *sandbox) {
			if err := sb.tenant.DeleteUser(context.Background(), aliceDB); err != nil {
				sb.t.Fatal(err)
			}
		}, aliceDB + " no longer exists"},
		{"secondary linked elsewhere", func(sb *sandbox) {
			if _, err := sb.tenant.Link(context.Background(), weiDB, client.LinkTarget{Provider: "google-oauth2", UserID: "108812345678901234567"}); err != nil {
				sb.t.Fatal(err)
			}
		}, aliceGoogle + " no longer exists"},
		{"primary gained an identity", func(sb *sandbox) {
			if _, err := sb.tenant.Link(context.Background(), aliceDB, client.LinkTarget{Provider: "google-oauth2", UserID: "114455667788990011223"}); err != nil {
				sb.t.Fatal(err)
			}
		}, aliceDB + ": identities were"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t, emulator.Options{})
			ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
			p := sb.plan(ops...)
			tc.change(sb)
			writes := len(sb.writesSent())
			res, err := sb.executor().Apply(context.Background(), p)
			se := refusal(t, err, linking.CheckChangedSincePlan)
			if !strings.Contains(se.Reason, "the group changed since the plan was made") || !strings.Contains(se.Reason, tc.want) {
				t.Errorf("reason %q does not say %q", se.Reason, tc.want)
			}
			if n := len(sb.writesSent()); n != writes {
				t.Errorf("%d writes after the change", n-writes)
			}
			if res.Steps[0].Status != linking.StatusRefused || res.Steps[1].Status != linking.StatusNotRun {
				t.Errorf("report %+v", res.Steps)
			}
		})
	}
}

func TestReadOnlyRefusesBeforeAnything(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	ticket := ticketOp(t, sb.mustUser(aliceDB), client.TicketOptions{}, "")
	apiCalls := sb.srv.Stats().APICalls
	ex := sb.executor()
	ex.ReadOnly = true
	_, err := ex.Apply(context.Background(), sb.plan(ops...))
	refusal(t, err, linking.CheckReadOnly)
	_, err = ex.Apply(context.Background(), sb.plan(ticket))
	refusal(t, err, linking.CheckReadOnly)
	if st := sb.srv.Stats(); st.APICalls != apiCalls || st.Writes != 0 {
		t.Errorf("read-only apply reached the tenant: %d calls, %d writes", st.APICalls-apiCalls, st.Writes)
	}
	if infos, _ := sb.backups.List(); len(infos) != 0 {
		t.Error("read-only apply wrote a backup")
	}
	if recs := sb.auditRecords(); len(recs) != 0 {
		t.Error("read-only apply wrote audit records")
	}
	// Below the executor, the client refuses too.
	ex.ReadOnly, ex.Tenant = false, sb.connect(true)
	res, err := ex.Apply(context.Background(), sb.plan(ops...))
	if !errors.Is(err, client.ErrReadOnly) || res.Steps[0].Status != linking.StatusFailed {
		t.Fatalf("read-only client: %v %+v", err, res.Steps)
	}
	if sb.srv.Stats().Writes != 0 {
		t.Error("a write reached the tenant")
	}
}

func TestTicketIsRecordedWithoutItsURL(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	opts := client.TicketOptions{TTLSec: 3600, ResultURL: "https://support.example/done", MarkEmailVerified: true}
	res := sb.apply(sb.plan(ticketOp(t, sb.mustUser(aliceDB), opts, "locked out")))
	url := res.Steps[0].Ticket
	if !strings.HasPrefix(url, "http") {
		t.Fatalf("ticket %q", url)
	}
	if sent := sb.writesSent(); len(sent) != 1 || !sameJSON(sent[0].Body, []byte(`{"user_id":"`+aliceDB+`","ttl_sec":3600,"result_url":"https://support.example/done","mark_email_as_verified":true}`)) {
		t.Errorf("the ticket's options were not sent as planned: %v", sent)
	}
	// A user deleted since the plan gets no ticket.
	gone := sb.plan(ticketOp(t, sb.mustUser(weiGitHub), client.TicketOptions{}, ""))
	if err := sb.tenant.DeleteUser(context.Background(), weiGitHub); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.executor().Apply(context.Background(), gone); err == nil {
		t.Fatal("a ticket for a user deleted since the plan was made")
	} else {
		refusal(t, err, linking.CheckChangedSincePlan)
	}
	recs := sb.auditRecords()
	if len(recs) != 2 || recs[0].Action != linking.ActionTicket || recs[1].Result != audit.ResultOK {
		t.Fatalf("audit %+v", recs)
	}
	data, _ := os.ReadFile(sb.log.Path())
	if bytes.Contains(data, []byte(url)) {
		t.Error("the ticket URL is in the audit log")
	}
	sb.checkRecord()
}

func TestPlanFileRoundTripAndTamperCheck(t *testing.T) {
	sb := newSandbox(t, emulator.Options{})
	ops := sb.planLink(linking.LinkOptions{}, aliceDB, aliceGoogle)
	p := sb.plan(append(ops, linking.PlanDelete(sb.mustUser(weiGitHub), ""))...)
	var buf bytes.Buffer
	if err := linking.WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	back, err := linking.ReadPlan(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != p.ID || !slices.Equal(back.StepIDs(), []string{"op1.patch", "op1.link", "op2.delete"}) {
		t.Fatalf("read back %s %v", back.ID, back.StepIDs())
	}
	edited := bytes.Replace(buf.Bytes(), []byte(`"roles"`), []byte(`"rolez"`), 1)
	if _, err := linking.ReadPlan(bytes.NewReader(edited)); err == nil || !strings.Contains(err.Error(), "edited") {
		t.Fatalf("an edited plan was accepted: %v", err)
	}
	sb.apply(back)
	if _, ok := sb.user(weiGitHub); ok {
		t.Error("the plan read back did not delete")
	}
}

func ticketOp(t *testing.T, u client.User, opts client.TicketOptions, reason string) linking.Operation {
	t.Helper()
	op, err := linking.PlanTicket(u, opts, reason)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
