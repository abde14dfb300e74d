package session

import (
	"context"
	"slices"
	"testing"

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
