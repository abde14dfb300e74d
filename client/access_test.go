package client_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
)

// The users of the small fixture the access tests give roles and
// memberships to, and one that does not exist.
const (
	accessAlice  = "auth0|63ea1f0b2c8d4e5f60718293"
	accessJohn   = "auth0|6281b3c4d5e6f70812345678"
	accessMaria  = "github|5832311"
	accessWei    = "auth0|5f1a2b3c4d5e6f7081920a1b"
	accessNobody = "auth0|nobody"
)

// accessTenant is the small fixture with 130 roles and 70 organizations:
// Alice holds every one of them, John 50 roles and 50 organizations (one
// whole page), Maria 51 of each (a page and one), Wei none.
func accessTenant(t testing.TB) *emulator.Tenant {
	t.Helper()
	ten := smallTenant(t)
	for i := range 130 {
		ten.Roles = append(ten.Roles, &emulator.Role{ID: fmt.Sprintf("rol_%03d", i), Name: fmt.Sprintf("role %d", i)})
	}
	for i := range 70 {
		ten.Organizations = append(ten.Organizations, &emulator.Organization{ID: fmt.Sprintf("org_%03d", i), Name: fmt.Sprintf("org-%d", i)})
	}
	held := map[string]int{accessAlice: 130, accessJohn: 50, accessMaria: 51}
	for _, u := range ten.Users {
		n, ok := held[u.UserID]
		if !ok {
			continue
		}
		for _, r := range ten.Roles[:n] {
			u.Roles = append(u.Roles, r.ID)
		}
		for _, o := range ten.Organizations[:min(n, len(ten.Organizations))] {
			u.Organizations = append(u.Organizations, o.ID)
		}
	}
	return ten
}

func roleIDs(rs []client.Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func orgIDs(os []client.Organization) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

// A user's roles and organizations are read whole, page after page of 50,
// and with no more requests than the pages there are.
func TestRolesAndOrganizationsAreReadPastTheFirstPage(t *testing.T) {
	ten := accessTenant(t)
	want := map[string]*emulator.User{}
	for _, u := range ten.Users {
		want[u.UserID] = u
	}
	tn, srv := connect(t, emulator.Options{Tenant: ten})
	ctx := context.Background()
	for _, c := range []struct {
		user              string
		rolePages, orgPgs int64
	}{
		{accessWei, 1, 1},
		{accessJohn, 1, 1},
		{accessMaria, 2, 2},
		{accessAlice, 3, 2},
	} {
		before := srv.Stats().Requests
		roles, err := tn.UserRoles(ctx, c.user)
		if err != nil {
			t.Fatalf("%s roles: %v", c.user, err)
		}
		orgs, err := tn.UserOrganizations(ctx, c.user)
		if err != nil {
			t.Fatalf("%s organizations: %v", c.user, err)
		}
		if got := roleIDs(roles); !slices.Equal(got, want[c.user].Roles) {
			t.Errorf("%s: %d roles %v…, want %d", c.user, len(got), got[:min(3, len(got))], len(want[c.user].Roles))
		}
		if got := orgIDs(orgs); !slices.Equal(got, want[c.user].Organizations) {
			t.Errorf("%s: %d organizations, want %d", c.user, len(got), len(want[c.user].Organizations))
		}
		if len(roles) > 0 && (roles[0].Name != "role 0" || orgs[0].Name != "org-0") {
			t.Errorf("%s: the first role %+v, organization %+v", c.user, roles[0], orgs[0])
		}
		after := srv.Stats().Requests
		for route, pages := range map[string]int64{"GET /api/v2/users/{id}/roles": c.rolePages, "GET /api/v2/users/{id}/organizations": c.orgPgs} {
			if n := after[route] - before[route]; n != pages {
				t.Errorf("%s: %d requests of %s, want %d (one a page)", c.user, n, route, pages)
			}
		}
	}
}

// Roles and memberships given and taken arrive on the tenant; giving what
// the user holds, or taking what it does not, changes nothing.
func TestRoleAndMembershipWritesChangeTheTenant(t *testing.T) {
	tn, srv := connect(t, emulator.Options{Tenant: accessTenant(t)})
	ctx := context.Background()
	user := func() *emulator.User {
		u, ok := srv.GetUser(accessWei)
		if !ok {
			t.Fatal("Wei is gone")
		}
		return u
	}
	if err := tn.AssignRoles(ctx, accessWei, []string{"rol_007", "rol_100"}); err != nil {
		t.Fatal(err)
	}
	if err := tn.AddOrganizationMembers(ctx, "org_003", []string{accessWei, accessJohn}); err != nil {
		t.Fatal(err)
	}
	if u := user(); !slices.Equal(u.Roles, []string{"rol_007", "rol_100"}) || !slices.Equal(u.Organizations, []string{"org_003"}) {
		t.Fatalf("after assigning: roles %v organizations %v", u.Roles, u.Organizations)
	}
	if roles, err := tn.UserRoles(ctx, accessWei); err != nil || !slices.Equal(roleIDs(roles), []string{"rol_007", "rol_100"}) {
		t.Fatalf("the roles read back: %v %v", roleIDs(roles), err)
	}
	// Again: nothing changes, and it is no error.
	if err := tn.AssignRoles(ctx, accessWei, []string{"rol_007"}); err != nil {
		t.Fatal(err)
	}
	if err := tn.AddOrganizationMembers(ctx, "org_003", []string{accessWei}); err != nil {
		t.Fatal(err)
	}
	if err := tn.RemoveRoles(ctx, accessWei, []string{"rol_007"}); err != nil {
		t.Fatal(err)
	}
	if err := tn.RemoveOrganizationMembers(ctx, "org_003", []string{accessWei}); err != nil {
		t.Fatal(err)
	}
	if err := tn.RemoveRoles(ctx, accessWei, []string{"rol_007"}); err != nil {
		t.Fatal(err)
	}
	if u := user(); !slices.Equal(u.Roles, []string{"rol_100"}) || len(u.Organizations) != 0 {
		t.Fatalf("after removing: roles %v organizations %v", u.Roles, u.Organizations)
	}
	if u, _ := srv.GetUser(accessJohn); !slices.Contains(u.Organizations, "org_003") {
		t.Errorf("John lost org_003 when Wei was removed from it: %v", u.Organizations)
	}
	eff := srv.Stats().Effects
	for route, n := range map[string]int64{emulator.RouteAssignRoles: 1, emulator.RouteRemoveRoles: 1, emulator.RouteAddMembers: 1, emulator.RouteRemoveMembers: 1} {
		if eff[route] != n {
			t.Errorf("%s changed the tenant %d times, want %d", route, eff[route], n)
		}
	}
}

// A token without the scope a call needs gets a 403 that names the scope,
// and the tenant is left as it was.
func TestAccessCallsWithoutTheirScopeNameIt(t *testing.T) {
	cases := []struct {
		name  string
		drop  []string // the scopes any one of which the route accepts
		scope string   // named in the error
		call  func(context.Context, client.Tenant) error
	}{
		{"UserRoles", []string{"read:users", "read:roles", "read:role_members"}, "read:roles", func(ctx context.Context, tn client.Tenant) error {
			_, err := tn.UserRoles(ctx, accessAlice)
			return err
		}},
		{"AssignRoles", []string{"update:users", "create:role_members"}, "create:role_members", func(ctx context.Context, tn client.Tenant) error {
			return tn.AssignRoles(ctx, accessWei, []string{"rol_001"})
		}},
		{"RemoveRoles", []string{"update:users", "delete:role_members"}, "delete:role_members", func(ctx context.Context, tn client.Tenant) error {
			return tn.RemoveRoles(ctx, accessAlice, []string{"rol_001"})
		}},
		{"UserOrganizations", []string{"read:organizations", "read:users"}, "read:organizations", func(ctx context.Context, tn client.Tenant) error {
			_, err := tn.UserOrganizations(ctx, accessAlice)
			return err
		}},
		{"AddOrganizationMembers", []string{"create:organization_members"}, "create:organization_members", func(ctx context.Context, tn client.Tenant) error {
			return tn.AddOrganizationMembers(ctx, "org_001", []string{accessWei})
		}},
		{"RemoveOrganizationMembers", []string{"delete:organization_members"}, "delete:organization_members", func(ctx context.Context, tn client.Tenant) error {
			return tn.RemoveOrganizationMembers(ctx, "org_001", []string{accessAlice})
		}},
		{"SendVerificationEmail", []string{"update:users"}, "update:users", func(ctx context.Context, tn client.Tenant) error {
			_, err := tn.SendVerificationEmail(ctx, client.VerificationEmail{UserID: accessAlice})
			return err
		}},
		{"CreateUser", []string{"create:users"}, "create:users", func(ctx context.Context, tn client.Tenant) error {
			_, err := tn.CreateUser(ctx, client.NewUser{Connection: "Username-Password-Authentication", Email: "new@example.com", Password: "x-Y-z-123456789"})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			scopes := slices.DeleteFunc(slices.Clone(emulator.DefaultScopes), func(s string) bool { return slices.Contains(c.drop, s) })
			tn, srv := connect(t, emulator.Options{Tenant: accessTenant(t), Scopes: scopes})
			err := c.call(context.Background(), tn)
			var apiErr *client.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Code != "insufficient_scope" {
				t.Fatalf("got %v, want a 403 insufficient_scope", err)
			}
			if !slices.Contains(strings.Split(apiErr.Scope, ","), c.scope) || !strings.Contains(err.Error(), "grant the application the") {
				t.Errorf("the error names the scopes %q, want %s among them: %v", apiErr.Scope, c.scope, err)
			}
			st := srv.Stats()
			for route, n := range st.Effects {
				if n != 0 {
					t.Errorf("%s changed the tenant %d times without its scope", route, n)
				}
			}
			if st.APICalls != 1 {
				t.Errorf("%d API requests, want the one refused (a 403 is not repeated)", st.APICalls)
			}
		})
	}
}

// A missing user is a 404 that client.IsNotFound recognizes, with Auth0's
// inexistent_user (what tells a missing user from a tenant that serves no
// roles), and so is a missing organization.
func TestAccessCallsOnAMissingUserAreNotFound(t *testing.T) {
	tn, srv := connect(t, emulator.Options{Tenant: accessTenant(t)})
	ctx := context.Background()
	checks := map[string]error{}
	_, checks["UserRoles"] = tn.UserRoles(ctx, accessNobody)
	_, checks["UserOrganizations"] = tn.UserOrganizations(ctx, accessNobody)
	checks["AssignRoles"] = tn.AssignRoles(ctx, accessNobody, []string{"rol_001"})
	checks["RemoveRoles"] = tn.RemoveRoles(ctx, accessNobody, []string{"rol_001"})
	_, checks["SendVerificationEmail"] = tn.SendVerificationEmail(ctx, client.VerificationEmail{UserID: accessNobody})
	for name, err := range checks {
		var apiErr *client.Error
		if !client.IsNotFound(err) || !errors.As(err, &apiErr) || apiErr.Code != "inexistent_user" {
			t.Errorf("%s of a missing user: %v, want a 404 inexistent_user", name, err)
		}
	}
	for name, err := range map[string]error{
		"AddOrganizationMembers":    tn.AddOrganizationMembers(ctx, "org_nowhere", []string{accessWei}),
		"RemoveOrganizationMembers": tn.RemoveOrganizationMembers(ctx, "org_nowhere", []string{accessAlice}),
	} {
		if !client.IsNotFound(err) {
			t.Errorf("%s of a missing organization: %v, want a 404", name, err)
		}
	}
	for route, n := range srv.Stats().Effects {
		if n != 0 {
			t.Errorf("%s changed the tenant %d times", route, n)
		}
	}
}

// A verification email is a job the tenant starts for the account (or one
// of its identities); one that cannot be sent is a clear 400.
func TestSendVerificationEmailStartsAJob(t *testing.T) {
	tn, srv := connect(t, emulator.Options{Tenant: accessTenant(t)})
	ctx := context.Background()
	job, err := tn.SendVerificationEmail(ctx, client.VerificationEmail{UserID: "auth0|672614a0b1c2d3e4f5061728", ClientID: "app-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(job.ID, "job_") || job.Type != "verification_email" || job.Status != "pending" || job.CreatedAt == "" {
		t.Fatalf("job %+v", job)
	}
	// Sam's Google identity is linked into his database account.
	sam := "auth0|60d5ec49f1a2b3c4d5e6f708"
	other, err := tn.SendVerificationEmail(ctx, client.VerificationEmail{UserID: sam, Identity: &client.LinkTarget{Provider: "google-oauth2", UserID: "101202303404505606707"}})
	if err != nil || other.ID == job.ID {
		t.Fatalf("for a linked identity: %+v %v", other, err)
	}
	for name, req := range map[string]client.VerificationEmail{
		"an identity the user does not have": {UserID: sam, Identity: &client.LinkTarget{Provider: "github", UserID: "48151623"}},
		"a user without an email":            {UserID: "sms|64a1f2c3d4e5f60718293a4b"},
	} {
		_, err := tn.SendVerificationEmail(ctx, req)
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
			t.Errorf("%s: %v, want a 400", name, err)
		}
	}
	if n := srv.Stats().Requests[emulator.RouteVerificationEmail]; n != 4 {
		t.Errorf("%d verification-email requests for 4 calls", n)
	}
}

// A verification email is never sent again on the client's own: an answer
// lost or refused is the caller's to settle (a second job is a second
// email).
func TestSendVerificationEmailIsNotRepeatedOnAFault(t *testing.T) {
	tn, srv := connect(t, emulator.Options{Tenant: accessTenant(t), FailRate: 1, Seed: 1})
	if _, err := tn.SendVerificationEmail(context.Background(), client.VerificationEmail{UserID: accessAlice}); err == nil {
		t.Fatal("every request fails, and the call succeeded")
	}
	st := srv.Stats()
	if n := st.Requests[emulator.RouteVerificationEmail]; n != 1 {
		t.Errorf("%d verification-email requests (faults %v), want 1", n, st.Faults)
	}
}

// CreateUser makes the user with the id asked for on a database or
// passwordless connection and answers it as the tenant holds it; the same
// id twice is a 409, a social connection a 400.
func TestCreateUserMakesTheAccountAskedFor(t *testing.T) {
	tn, srv := connect(t, emulator.Options{})
	ctx := context.Background()
	yes, no := true, false
	nu := client.NewUser{
		Connection: "Username-Password-Authentication", UserID: "restored0001", Email: "Restored.Person@Example.com",
		EmailVerified: &yes, Username: "restored", Name: "Restored Person", GivenName: "Restored", FamilyName: "Person",
		UserMetadata: map[string]any{"theme": "dark"}, AppMetadata: map[string]any{"plan": "pro"}, VerifyEmail: &no,
		Password: "x-Y-z-123456789",
	}
	u, err := tn.CreateUser(ctx, nu)
	if err != nil {
		t.Fatal(err)
	}
	if u.UserID != "auth0|restored0001" || u.Email != "restored.person@example.com" || !u.EmailVerified || u.Name != "Restored Person" ||
		u.UserMetadata["theme"] != "dark" || u.AppMetadata["plan"] != "pro" || len(u.Identities) != 1 || u.Identities[0].Connection != "Username-Password-Authentication" {
		t.Fatalf("created %+v", u)
	}
	read, err := tn.User(ctx, u.UserID)
	if err != nil || read.Email != u.Email || read.UserMetadata["theme"] != "dark" {
		t.Fatalf("read back: %+v %v", read, err)
	}
	if strings.Contains(string(read.Raw), nu.Password) {
		t.Errorf("the password comes back from the tenant: %s", read.Raw)
	}
	sms, err := tn.CreateUser(ctx, client.NewUser{Connection: "sms", UserID: "64a1f2c3d4e5f6071829ffff", PhoneNumber: "+15550100"})
	if err != nil || sms.UserID != "sms|64a1f2c3d4e5f6071829ffff" || sms.PhoneNumber != "+15550100" {
		t.Fatalf("a passwordless account: %+v %v", sms, err)
	}

	var apiErr *client.Error
	if _, err := tn.CreateUser(ctx, nu); !errors.As(err, &apiErr) || apiErr.StatusCode != 409 {
		t.Errorf("the same user again: %v, want a 409", err)
	}
	if _, err := tn.CreateUser(ctx, client.NewUser{Connection: "google-oauth2", Email: "x@example.com"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Errorf("on a social connection: %v, want a 400", err)
	}
	if n := srv.Stats().Effects[emulator.RouteCreateUser]; n != 2 {
		t.Errorf("%d users created, want 2", n)
	}
}

// An organization is named as people see it, everywhere linkdesk names
// one (tester: the account screen said Globex, the link review globex).
func TestAnOrganizationIsNamedByItsDisplayName(t *testing.T) {
	for _, tc := range []struct {
		o    client.Organization
		want string
	}{
		{client.Organization{ID: "org_1", Name: "globex", DisplayName: "Globex"}, "Globex"},
		{client.Organization{ID: "org_1", Name: "globex"}, "globex"},
		{client.Organization{ID: "org_1"}, "org_1"},
	} {
		if got := tc.o.Label(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.o, got, tc.want)
		}
	}
}
