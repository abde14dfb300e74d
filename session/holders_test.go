package session

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// An account holding an email only through a linked identity's profile
// (auth0|linked holds alice.personal@gmail.com through its Google identity)
// is found by no email lookup; once the tenant has been scanned, reading
// that email's group, `show` and `scan --email` find it as the scan did.
func TestAGroupReadByEmailHoldsTheAccountsTheScanFoundThroughLinkedIdentities(t *testing.T) {
	ctx := context.Background()
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: emulatortest.Fixture(t, emulatortest.Tenant), Rate: -1})
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()})
	if err != nil {
		t.Fatal(err)
	}
	const email, holder = "alice.personal@gmail.com", "auth0|linked"
	ids := func(g *linking.Group) []string {
		var out []string
		for _, a := range g.Accounts {
			out = append(out, a.UserID)
		}
		return out
	}

	full, err := With(ctx, tn, "sandbox", Config{StateDir: t.TempDir()}).Scan(ctx, scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(full.Groups, func(g *linking.Group) bool { return g.Email == email })
	if i < 0 || !slices.Contains(ids(full.Groups[i]), holder) {
		t.Fatalf("the fixture no longer groups %s with %s", holder, email)
	}

	state := t.TempDir()
	s := With(ctx, tn, "sandbox", Config{StateDir: state})
	if _, err := s.Scan(ctx, scan.Request{}); err != nil { // the snapshot
		t.Fatal(err)
	}
	s = With(ctx, tn, "sandbox", Config{StateDir: state}) // a later command
	g, err := s.ReadGroup(ctx, email)
	if err != nil || !slices.Contains(ids(g), holder) || len(g.Accounts) != len(full.Groups[i].Accounts) || g.Class != full.Groups[i].Class {
		t.Fatalf("the group read by email: %v %v (%s), want %v (%s)", err, ids(g), g.Class, ids(full.Groups[i]), full.Groups[i].Class)
	}
	one, err := s.Scan(ctx, scan.Request{Email: email})
	if err != nil || len(one.Groups) != 1 || !slices.Contains(ids(one.Groups[0]), holder) {
		t.Fatalf("scan --email: %v %+v", err, one)
	}

	// Unlinked since the scan: the snapshot's word is checked by id, and
	// the account no longer holding the email is left out.
	if _, err := tn.Unlink(ctx, holder, "google-oauth2", "118000000000000000001"); err != nil {
		t.Fatal(err)
	}
	g, err = s.ReadGroup(ctx, email)
	if err != nil || slices.Contains(ids(g), holder) {
		t.Fatalf("after the unlink: %v %v", err, ids(g))
	}
}

// An account that held an email alone at the scan, through a linked
// identity's profile, stands in no group then; when another account takes
// that email later, reading its group finds both, without a new scan.
func TestAnAccountAloneOnItsLinkedEmailAtTheScanIsFoundWhenAnotherJoinsIt(t *testing.T) {
	ctx := context.Background()
	pat := &emulator.User{UserID: "auth0|pat", Email: "pat@work.com", EmailVerified: emulator.FlagTrue,
		Identities: append(oneIdentity("Username-Password-Authentication", "auth0", "pat", false), emulator.Identity{
			Connection: "github", Provider: "github", UserID: emulator.IdentityID{Value: "77"}, IsSocial: true,
			ProfileData: json.RawMessage(`{"email":"pat@home.com","email_verified":true}`),
		})}
	srv, base := emulatortest.Start(t, emulator.Options{Rate: -1, Tenant: &emulator.Tenant{
		Connections: []*emulator.Connection{
			{ID: "con_db", Name: "Username-Password-Authentication", Strategy: "auth0"},
			{ID: "con_gh", Name: "github", Strategy: "github"},
			{ID: "con_db2", Name: "Partners-DB", Strategy: "auth0"},
		},
		Users: []*emulator.User{pat},
	}})
	tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	rep, err := With(ctx, tn, "sandbox", Config{StateDir: state}).Scan(ctx, scan.Request{})
	if err != nil || len(rep.Groups) != 0 {
		t.Fatalf("the scan: %v, %d groups, want none", err, len(rep.Groups))
	}
	verified := true
	if _, err := tn.CreateUser(ctx, client.NewUser{Connection: "Partners-DB", Email: "pat@home.com", EmailVerified: &verified, Password: "Correct-Horse-9"}); err != nil {
		t.Fatal(err)
	}
	g, err := With(ctx, tn, "sandbox", Config{StateDir: state}).ReadGroup(ctx, "pat@home.com")
	if err != nil || g == nil || !slices.ContainsFunc(g.Accounts, func(a *linking.Account) bool { return a.UserID == "auth0|pat" }) || len(g.Accounts) != 2 {
		t.Fatalf("the group of pat@home.com read after the new account: %v %+v, want it to hold auth0|pat too", err, g)
	}
}

// An address that only looks like the one asked for (the long s, which the
// search folds into s) is not the account's: show, the group and scan
// --email keep to the accounts that hold the address itself.
func TestAnEmailLookupKeepsToTheAccountsHoldingThatAddress(t *testing.T) {
	ctx := context.Background()
	tenant := &emulator.Tenant{
		Connections: []*emulator.Connection{
			{ID: "con_db", Name: "Username-Password-Authentication", Strategy: "auth0"},
			{ID: "con_gh", Name: "github", Strategy: "github"},
		},
		Users: []*emulator.User{
			{UserID: "auth0|s2", Email: "sam@x.com", EmailVerified: emulator.FlagTrue, Identities: oneIdentity("Username-Password-Authentication", "auth0", "s2", false)},
			{UserID: "github|s1", Email: "\u017Fam@x.com", EmailVerified: emulator.FlagTrue, Identities: oneIdentity("github", "github", "s1", true)},
		},
	}
	s := sessionOn(t, tenant)
	f, err := s.Find(ctx, "sam@x.com")
	if err != nil || len(f.Users) != 1 || f.Users[0].UserID != "auth0|s2" {
		t.Fatalf("find sam@x.com: %v %+v", err, f)
	}
	g, err := s.ReadGroup(ctx, "sam@x.com")
	if err != nil || len(g.Accounts) != 1 || g.Class != "" {
		t.Fatalf("the group of sam@x.com: %v %+v", err, g)
	}
	rep, err := s.Scan(ctx, scan.Request{Email: "sam@x.com"})
	if err != nil || len(rep.Groups) != 0 || len(rep.Single) != 1 || rep.Single[0].UserID != "auth0|s2" {
		t.Fatalf("scan --email sam@x.com: %v %+v", err, rep)
	}
}

// An address may hold a |: found by email once no user id is it.
func TestFindTakesAnAddressWithABarAsAnEmail(t *testing.T) {
	ctx := context.Background()
	tenant := &emulator.Tenant{
		Connections: []*emulator.Connection{{ID: "con_db", Name: "Username-Password-Authentication", Strategy: "auth0"}},
		Users: []*emulator.User{
			{UserID: "auth0|b1", Email: "a+b|c@x.com", EmailVerified: emulator.FlagTrue, Identities: oneIdentity("Username-Password-Authentication", "auth0", "b1", false)},
		},
	}
	s := sessionOn(t, tenant)
	f, err := s.Find(ctx, "a+b|c@x.com")
	if err != nil || len(f.Users) != 1 || f.Users[0].UserID != "auth0|b1" || f.By != FoundByEmail {
		t.Fatalf("find a+b|c@x.com: %v %+v", err, f)
	}
}

// sessionOn is a session on a sandbox serving tenant, without rate limits.
func sessionOn(t *testing.T, tenant *emulator.Tenant) *Session {
	t.Helper()
	s, _ := sessionWith(t, emulator.Options{Tenant: tenant, Rate: -1})
	return s
}

// sessionWith is a session, operated by "tester", on a sandbox served with
// opts, closed when the test ends.
func sessionWith(t *testing.T, opts emulator.Options) (*Session, *emulator.Server) {
	t.Helper()
	srv, base := emulatortest.Start(t, opts)
	tn, err := client.New(context.Background(), client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := With(context.Background(), tn, "sandbox", Config{StateDir: t.TempDir(), Operator: "tester"})
	t.Cleanup(func() { s.Close() })
	return s, srv
}

// oneIdentity is the identities array of a user with no linked identity.
func oneIdentity(conn, provider, uid string, social bool) []emulator.Identity {
	return []emulator.Identity{{Connection: conn, Provider: provider, UserID: emulator.IdentityID{Value: uid}, IsSocial: social}}
}

// An address holding U+FFFD (a character lost in decoding) has no key: the
// account read alone stands in no group, as the scan groups it with none.
func TestAnAccountWithALostCharacterInItsEmailHasNoGroup(t *testing.T) {
	s := sessionOn(t, &emulator.Tenant{
		Connections: []*emulator.Connection{{ID: "con_db", Name: "Username-Password-Authentication", Strategy: "auth0"}, {ID: "con_gh", Name: "github", Strategy: "github"}},
		Users: []*emulator.User{
			{UserID: "auth0|a1", Email: "a\uFFFDb@x.com", EmailVerified: emulator.FlagTrue, Identities: oneIdentity("Username-Password-Authentication", "auth0", "a1", false)},
			{UserID: "github|9", Email: "a\uFFFDb@x.com", EmailVerified: emulator.FlagTrue, Identities: oneIdentity("github", "github", "9", true)},
		},
	})
	a, err := s.ReadAccount(context.Background(), "github|9")
	if err != nil || a.Group != nil {
		t.Fatalf("the account: %v, its group %+v", err, a.Group)
	}
}

// meetingTenant answers UserRoles, UserOrganizations and UsersByEmail only
// once all three have been asked: reads made one after another never get
// that far, and the test says so instead of hanging.
type meetingTenant struct {
	client.Tenant
	arrived chan struct{}
	all     chan struct{} // closed once all three have been asked
}

func (m meetingTenant) meet(ctx context.Context) error {
	m.arrived <- struct{}{}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-m.all:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("the other reads of the account never started: they run one after another")
	}
}

func (m meetingTenant) UserRoles(ctx context.Context, id string) ([]client.Role, error) {
	if err := m.meet(ctx); err != nil {
		return nil, err
	}
	return m.Tenant.UserRoles(ctx, id)
}

func (m meetingTenant) UserOrganizations(ctx context.Context, id string) ([]client.Organization, error) {
	if err := m.meet(ctx); err != nil {
		return nil, err
	}
	return m.Tenant.UserOrganizations(ctx, id)
}

func (m meetingTenant) UsersByEmail(ctx context.Context, email string) ([]client.User, error) {
	if err := m.meet(ctx); err != nil {
		return nil, err
	}
	return m.Tenant.UsersByEmail(ctx, email)
}

// TestAnAccountsReadsRunAtOnce: the account screen's roles, organizations
// and group are read at once, not one after another, so on a slow tenant
// the screen waits for the longest read alone.
func TestAnAccountsReadsRunAtOnce(t *testing.T) {
	s := sessionOn(t, emulatortest.Fixture(t, emulatortest.Small))
	m := meetingTenant{Tenant: s.Tenant, arrived: make(chan struct{}, 3), all: make(chan struct{})}
	go func() {
		for range 3 {
			<-m.arrived
		}
		close(m.all)
	}()
	s.Tenant = m
	a, err := s.ReadAccount(context.Background(), "auth0|63ea1f0b2c8d4e5f60718293") // alice, in a group
	if a == nil || a.RolesErr != nil || a.OrgsErr != nil || a.GroupErr != nil || a.Group == nil {
		if a == nil {
			t.Fatal(err)
		}
		t.Fatalf("roles: %v; organizations: %v; group: %v (%v)", a.RolesErr, a.OrgsErr, a.GroupErr, a.Group != nil)
	}
}

// An account's reads cut off by Ctrl-C say what they were reading, so
// `show` ends with more than a bare "interrupted".
func TestAnAccountsReadsCutOffSayWhatTheyWereReading(t *testing.T) {
	s := sessionOn(t, emulatortest.Fixture(t, emulatortest.Small))
	m := meetingTenant{Tenant: s.Tenant, arrived: make(chan struct{}, 3), all: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-m.arrived
		cancel() // Ctrl-C while the reads wait
	}()
	s.Tenant = m
	_, err := s.ReadAccount(ctx, "auth0|63ea1f0b2c8d4e5f60718293")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "reading the roles, organizations and email group of auth0|63ea1f0b2c8d4e5f60718293") {
		t.Fatalf("cut off: %v", err)
	}
}

// A link linkdesk made since the scan, of accounts with other emails:
// the secondary's address is held now by the primary, through the linked
// identity's profile, where the snapshot still shows it on the secondary.
// Finding that address found nothing until the next scan; the audit log
// says where it went.
func TestAnEmailLinkdeskLinkedAwaySinceTheScanIsFoundOnItsPrimary(t *testing.T) {
	ctx := context.Background()
	s := sessionOn(t, &emulator.Tenant{
		Connections: []*emulator.Connection{{ID: "con_db", Name: "Username-Password-Authentication", Strategy: "auth0"}, {ID: "con_gh", Name: "github", Strategy: "github"}},
		Users: []*emulator.User{
			{UserID: "auth0|pat", Email: "pat@work.com", EmailVerified: emulator.FlagTrue, Identities: oneIdentity("Username-Password-Authentication", "auth0", "pat", false)},
			{UserID: "github|88", Email: "pat@home.com", EmailVerified: emulator.FlagTrue, Identities: oneIdentity("github", "github", "88", true)},
		},
	})
	if _, err := s.Scan(ctx, scan.Request{}); err != nil {
		t.Fatal(err)
	}
	users, err := s.Users(ctx, "auth0|pat", "github|88")
	if err != nil {
		t.Fatal(err)
	}
	conns, err := s.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := linking.PlanLink(users[0], users[1:], conns, linking.LinkOptions{AllowDifferentEmails: true})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Apply(ctx, s.NewPlan(ops...), ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("the link: %v %+v", err, res)
	}
	next := With(ctx, s.Tenant, "sandbox", Config{StateDir: s.Paths.State}) // the next command, before any scan
	defer next.Close()
	f, err := next.Find(ctx, "pat@home.com")
	if err != nil || len(f.Users) != 1 || f.Users[0].UserID != "auth0|pat" {
		t.Fatalf("find pat@home.com after the link: %v %+v", err, f)
	}
}

// A read of the snapshot cut off (esc on the first find of a session, on
// a large tenant) leaves nothing behind: the next find reads it again,
// and finds the account holding a linked identity by its username, where
// it found nothing for the rest of the session (review).
func TestACutOffReadOfTheSnapshotIsReadAgainByTheNextFind(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tn, state := f.real, f.state
	linkLiamIntoMike(t, tn)
	if _, err := With(ctx, tn, "sandbox", Config{StateDir: state}).Scan(ctx, scan.Request{Full: true}); err != nil {
		t.Fatal(err)
	}
	s := With(ctx, tn, "sandbox", Config{StateDir: state})
	cut, cancel := context.WithCancel(ctx)
	cancel()
	s.linkedNamed(cut, "liam.miller", "")
	found, err := s.Find(ctx, "liam.miller")
	if err != nil || len(found.Users) != 1 || found.Users[0].UserID != mikeFamily {
		t.Fatalf("find liam.miller after a cut-off read: %v %+v", err, found)
	}
}

// A scan keeps, beside the snapshot, the index a lookup needs of it (the
// accounts holding an email or a name through a linked identity): read at
// once, where reading a million users' snapshot whole took seconds. It is
// what reading the snapshot whole gives, after a full scan and after an
// incremental one alike.
func TestTheSnapshotsIndexIsWhatReadingItWholeGives(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tn, state := f.real, f.state
	s := With(ctx, tn, "sandbox", Config{StateDir: state})
	check := func(when string) {
		t.Helper()
		snap, err := s.Snapshot()
		if err != nil || snap.State.Index == "" {
			t.Fatalf("%s: the snapshot keeps no index: %v %+v", when, err, snap)
		}
		conns, _ := s.Connections(ctx)
		byEmail, names, err := snap.Hidden(ctx, conns)
		if err != nil {
			t.Fatal(err)
		}
		snap.State.Index = "" // read whole
		wholeEmail, wholeNames, err := snap.Hidden(ctx, conns)
		if err != nil || !reflect.DeepEqual(byEmail, wholeEmail) || !reflect.DeepEqual(names, wholeNames) {
			t.Errorf("%s: the index %v %+v, the snapshot read whole %v %+v (%v)", when, byEmail, names, wholeEmail, wholeNames, err)
		}
		if got := names.Usernames["liam.miller"]; when != "full scan" && (len(got) != 1 || got[0] != mikeFamily) {
			t.Errorf("%s: liam.miller is held by %v, want %s", when, got, mikeFamily)
		}
	}
	if _, err := s.Scan(ctx, scan.Request{Full: true}); err != nil {
		t.Fatal(err)
	}
	check("full scan")
	linkLiamIntoMike(t, tn)
	if rep, err := s.Scan(ctx, scan.Request{}); err != nil || rep.Method != linking.MethodIncremental {
		t.Fatalf("the second scan: %v %+v", err, rep)
	}
	check("incremental scan")
}

// The small fixture's family members mike.miller and liam.miller.
const mikeFamily, liamFamily = "auth0|64b7c8d9e0f1a2b3c4d5e6f7", "auth0|65c0d1e2f3a4b5c6d7e8f901"

// linkLiamIntoMike links liam.miller into mike.miller behind linkdesk's back.
func linkLiamIntoMike(t *testing.T, tn client.Tenant) {
	t.Helper()
	if _, err := tn.Link(context.Background(), mikeFamily, client.LinkTarget{Provider: "auth0", UserID: strings.TrimPrefix(liamFamily, "auth0|")}); err != nil {
		t.Fatal(err)
	}
}

// An account linkdesk just unlinked, whose email differs in case from the
// primary's (Lena.Fischer@gmail.com on Google, lena.fischer@gmail.com in
// the database): the search has not caught up, and users-by-email is
// exact, yet reading the group again, as `show` and the TUI do after the
// write, holds it at once (tester).
func TestAnAccountJustUnlinkedIsInItsGroupAtOnceWhateverTheCaseOfItsEmail(t *testing.T) {
	ctx := context.Background()
	const lenaDB, lenaGoogle = "auth0|61a1b2c3d4e5f60718293a4b", "google-oauth2|109876543210987654321"
	s, srv := sessionWith(t, emulator.Options{Tenant: emulatortest.Fixture(t, emulatortest.Small), Rate: -1, SearchLag: time.Minute})
	tn := s.Tenant
	conns, err := s.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := s.Users(ctx, lenaDB, lenaGoogle)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := linking.PlanLink(users[0], users[1:], conns, linking.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Apply(ctx, s.NewPlan(ops...), ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("the link: %v %+v", err, res)
	}
	srv.AdvanceClock(2 * time.Minute) // the search has caught up with the link, and will lag the unlink
	primary, err := tn.User(ctx, lenaDB)
	if err != nil {
		t.Fatal(err)
	}
	unlink, err := linking.PlanUnlink(primary, "google-oauth2", "109876543210987654321", "ZD-3")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Apply(ctx, s.NewPlan(unlink), ApplyOptions{}); err != nil || !res.Complete() {
		t.Fatalf("the unlink: %v %+v", err, res)
	}
	next := With(ctx, tn, "sandbox", Config{StateDir: s.Paths.State}) // the next command
	defer next.Close()
	for _, email := range []string{"lena.fischer@gmail.com", "Lena.Fischer@gmail.com"} {
		g, err := next.ReadGroup(ctx, email)
		if err != nil || len(g.Accounts) != 2 {
			t.Fatalf("the group of %s read again after the unlink: %v %+v", email, err, g)
		}
	}
}
