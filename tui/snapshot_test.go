package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/scan"
	"github.com/linkdesk/linkdesk/session"
)

// Once a tenant has been scanned, the UI opens on its snapshot even when
// the tenant refuses linkdesk's credentials (a secret rotated): the
// snapshot keeps the connections it was classified with, and the scan's
// failure comes after it (tester: only "Scan failed", and no groups).
func TestTheSnapshotShowsWhenTheTenantRefusesTheCredentials(t *testing.T) {
	ctx := context.Background()
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: emulatortest.Fixture(t, emulatortest.Small), Rate: -1})
	connect := func(secret string) client.Tenant {
		tn, err := client.New(ctx, client.Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		return tn
	}
	state := t.TempDir()
	if _, err := session.With(ctx, connect(srv.ClientSecret()), "sandbox", session.Config{StateDir: state}).Scan(ctx, scan.Request{Full: true}); err != nil {
		t.Fatal(err)
	}
	refused := session.With(ctx, connect(strings.Repeat("x", 48)), "sandbox", session.Config{StateDir: state})
	t.Cleanup(func() { refused.Close() })
	b := &Backend{Session: refused}
	first := b.Scan(ctx, 1, false)()
	snap, ok := first.(ScanSnapshotMsg)
	if !ok || snap.Report == nil || len(snap.Report.Groups) == 0 {
		t.Fatalf("the first answer of a scan refused by the tenant: %#v", first)
	}
	next := snap.next
	for {
		msg := next()
		if p, ok := msg.(ScanProgressMsg); ok {
			next = p.next
			continue
		}
		if done, ok := msg.(ScanDoneMsg); !ok || done.Err == nil {
			t.Errorf("after the snapshot: %#v", msg)
		}
		break
	}
}
