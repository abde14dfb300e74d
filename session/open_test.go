package session

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// A tenant on this machine (`linkdesk emulator`) is named by its run, as
// the sandbox in this process is: each run is a tenant of its own, even at
// one address. Its connections, read for it, are kept for the session.
func TestATenantOnThisMachineIsNamedByItsRun(t *testing.T) {
	srv, base := emulatortest.Start(t, emulator.Options{Tenant: emulatortest.Fixture(t, emulatortest.Small), Rate: -1})
	s, err := Open(context.Background(), Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	host := strings.TrimPrefix(base, "http://")
	if want := "sandbox " + srv.Run() + " (" + host + ")"; s.Name != want {
		t.Errorf("Name %q, want %q", s.Name, want)
	}
	if s.Sandbox {
		t.Error("a tenant of another process is called a sandbox that ends with this one")
	}
	if _, err := s.Connections(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests["GET /api/v2/connections"]; n != 1 {
		t.Errorf("the connections were read %d times, want once for the session", n)
	}
}

// A tenant on this machine that does not answer keeps its domain as its
// name: Open does not fail, the command's own first call does.
func TestATenantOnThisMachineThatDoesNotAnswerKeepsItsDomain(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	s, err := Open(context.Background(), Config{Domain: "http://" + addr, ClientID: "id", ClientSecret: "a-secret-long-enough-to-be-one-0123456789", StateDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open of a tenant that does not answer: %v", err)
	}
	defer s.Close()
	if s.Name != addr {
		t.Errorf("Name %q, want the domain %q", s.Name, addr)
	}
	// Not the seconds of retries the client waits out for a tenant it
	// cannot reach: its first call does that, as before.
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %s to find nothing listening on %s", d, addr)
	}
}

// The sandbox in this process is named by the emulator's own run, the one
// its answers carry.
func TestTheSandboxIsNamedByTheEmulatorsRun(t *testing.T) {
	s, err := Open(context.Background(), Config{Sandbox: true, Users: 10, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Connections(context.Background()); err != nil {
		t.Fatal(err)
	}
	run := s.Tenant.SandboxRun()
	if want := "sandbox " + run + " (" + s.Tenant.Domain() + ")"; run == "" || s.Name != want || !s.Sandbox {
		t.Errorf("Name %q (sandbox %v), want %q", s.Name, s.Sandbox, want)
	}
}

// Auth0's tenants are DNS names with a dot, on the default port; anything
// else may be a `linkdesk emulator`, and is asked for its run: a LAN
// address, a container's name, any explicit port.
func TestMayBeSandbox(t *testing.T) {
	for domain, want := range map[string]bool{
		"127.0.0.1:4780": true, "127.0.0.1": true, "127.1.2.3:80": true, "[::1]:4780": true, "localhost:4780": true, "localhost": true,
		"10.0.0.5:4780": true, "192.0.2.2": true, "[2001:db8::1]:443": true, "[2001:db8::1]": true,
		"emulator:8080": true, "emulator": true, "acme.eu.auth0.com:8443": true, "localhost.example.com:4780": true,
		"acme.eu.auth0.com": false, "localhost.example.com": false, "login.acme.example": false,
	} {
		if got := mayBeSandbox(domain); got != want {
			t.Errorf("mayBeSandbox(%q) = %v, want %v", domain, got, want)
		}
	}
}

// A `linkdesk emulator` on a LAN address (`--addr 192.0.2.2:0`) is named by
// its run too, as its banner says: named by its address, the run after it
// there was the same tenant, and a write cut off on one was settled as done
// on the other.
func TestAnEmulatorOnALANAddressIsNamedByItsRun(t *testing.T) {
	ip := lanAddress(t)
	srv, err := emulator.New(emulator.Options{Tenant: emulatortest.Fixture(t, emulatortest.Small), Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start(net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("no emulator on %s: %v", ip, err)
	}
	defer srv.Close()
	s, err := Open(context.Background(), Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := emulator.TenantName(srv.Run(), strings.TrimPrefix(base, "http://")); s.Name != want {
		t.Errorf("Name %q, want %q", s.Name, want)
	}
}

// lanAddress is an IPv4 address of this machine that is not a loopback one.
func lanAddress(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no address but loopback ones")
	return ""
}

// The snapshot of one `linkdesk emulator` run is not the next one's, at
// the same address: the next run's scan exports its own users, and shows
// none of the tenant before. (With the emulator's search lag, its log still
// looks empty to both scans, so the incremental scan's own check of the
// log, "nothing has happened since", let the old snapshot through.)
func TestAnotherRunAtTheSameAddressDoesNotInheritTheSnapshot(t *testing.T) {
	ctx := context.Background()
	state := t.TempDir()
	scanRun := func(srv *emulator.Server, base string) *linking.Report {
		t.Helper()
		s, err := Open(ctx, Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), StateDir: state})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r, err := s.Scan(ctx, scan.Request{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first, err := emulator.New(emulator.Options{Tenant: gen.Generate(gen.GenOptions{Users: 300, Seed: 3}), Rate: -1, SearchLag: emulator.DefaultSearchLag})
	if err != nil {
		t.Fatal(err)
	}
	base, err := first.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if r := scanRun(first, base); r.UsersScanned != 300 {
		t.Fatalf("the first run's scan: %d users, want 300", r.UsersScanned)
	}
	first.Close()

	second, err := emulator.New(emulator.Options{Tenant: gen.Generate(gen.GenOptions{Users: 40, Seed: 4}), Rate: -1, SearchLag: emulator.DefaultSearchLag})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Start(strings.TrimPrefix(base, "http://")); err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if r := scanRun(second, base); r.UsersScanned != 40 || r.Method != linking.MethodExport {
		t.Errorf("the second run's scan at %s: %d users by %s, want its own 40 by an export", base, r.UsersScanned, r.Method)
	}
}

// The runs of a `linkdesk emulator` at one address keep one snapshot
// between them, in the address's directory (README: snapshots/<domain>/),
// its state naming the run it was taken of: a run's scan replaces the run
// before's, which its session does not take for its own. (Kept a directory
// a run, every run left a whole export behind, never removed: 77 MB for a
// million users.)
func TestTheRunsAtAnAddressKeepOneSnapshotThere(t *testing.T) {
	ctx := context.Background()
	state := t.TempDir()
	var base string
	var names []string
	for i, users := range []int{30, 20, 10} {
		srv, err := emulator.New(emulator.Options{Tenant: gen.Generate(gen.GenOptions{Users: users, Seed: int64(i + 1)}), Rate: -1})
		if err != nil {
			t.Fatal(err)
		}
		addr := "127.0.0.1:0"
		if base != "" {
			addr = strings.TrimPrefix(base, "http://")
		}
		if base, err = srv.Start(addr); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, Config{Domain: base, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), StateDir: state})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Snapshot(); i > 0 && !errors.Is(err, scan.ErrNoSnapshot) {
			t.Errorf("run %d (%s) opens the snapshot of %s: %v, want none", i+1, s.Name, names[i-1], err)
		}
		if r, err := s.Scan(ctx, scan.Request{}); err != nil || r.UsersScanned != users {
			t.Fatalf("run %d's scan: %v users, %v; want its %d", i+1, r, err, users)
		}
		snap, err := s.Snapshot()
		if err != nil || snap.State.Tenant != s.Name || snap.Dir != scan.SnapshotDir(state, s.Tenant.Domain()) {
			if snap == nil {
				snap = &scan.Snapshot{}
			}
			t.Errorf("run %d's snapshot: of %q in %s (%v); want one of %q in %s", i+1, snap.State.Tenant, snap.Dir, err, s.Name, scan.SnapshotDir(state, s.Tenant.Domain()))
		}
		names = append(names, s.Name)
		s.Close()
		srv.Close()
	}
	entries, err := os.ReadDir(filepath.Join(state, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		dirs = append(dirs, e.Name())
	}
	if want := filepath.Base(scan.SnapshotDir(state, strings.TrimPrefix(base, "http://"))); len(dirs) != 1 || dirs[0] != want {
		t.Errorf("after %d runs at %s the snapshots are %q, want one, %q", len(names), base, dirs, want)
	}
}
