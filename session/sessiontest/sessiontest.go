// Package sessiontest leaves a tenant's state directory as tests of the
// screens need it: a write cut off, its outcome unknown. It is for tests
// only; nothing of linkdesk's own imports it.
package sessiontest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/session"
)

// The small fixture's alice: her database account and her Google one.
const (
	AliceDB     = "auth0|63ea1f0b2c8d4e5f60718293"
	AliceGoogle = "google-oauth2|108812345678901234567"
)

// cutLink is a tenant whose Link acts, then is cut off before its answer
// comes, the network lost with it: the run cannot read what became of the
// call, and its journal is left with the call's outcome unknown.
type cutLink struct {
	client.Tenant
	cancel context.CancelFunc
	lost   *atomic.Bool
	unmade bool // cut off before the tenant acted
}

func (c cutLink) Link(ctx context.Context, primary string, s client.LinkTarget) ([]client.Identity, error) {
	if c.unmade {
		// The request never reached the tenant.
	} else if _, err := c.Tenant.Link(context.WithoutCancel(ctx), primary, s); err != nil {
		return nil, err
	}
	c.lost.Store(true)
	c.cancel()
	return nil, ctx.Err()
}

func (c cutLink) User(ctx context.Context, id string) (client.User, error) {
	if c.lost.Load() {
		return client.User{}, errors.New("read tcp 127.0.0.1:1: connection reset by peer")
	}
	return c.Tenant.User(ctx, id)
}

// CutOffAlicesLink links alice's Google account into her database one on
// tenant, through the session open makes over the tenant it is given, and
// cuts the link call off after the tenant acted: the state directory then
// holds a write whose outcome is unknown.
func CutOffAlicesLink(t testing.TB, tenant client.Tenant, open func(client.Tenant) *session.Session) {
	t.Helper()
	cutOff(t, cutLink{Tenant: tenant, lost: new(atomic.Bool)}, open)
}

// CutOffAlicesLinkUnmade is CutOffAlicesLink cut off before the tenant
// acted: her accounts are as they were, the outcome unknown all the same.
func CutOffAlicesLinkUnmade(t testing.TB, tenant client.Tenant, open func(client.Tenant) *session.Session) {
	t.Helper()
	cutOff(t, cutLink{Tenant: tenant, lost: new(atomic.Bool), unmade: true}, open)
}

func cutOff(t testing.TB, c cutLink, open func(client.Tenant) *session.Session) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.cancel = cancel
	cut := open(c)
	users, err := cut.Users(ctx, AliceDB, AliceGoogle)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := cut.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := linking.PlanLink(users[0], users[1:], conns, linking.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cut.Apply(ctx, cut.NewPlan(ops...), session.ApplyOptions{}); !errors.Is(err, linking.ErrInterrupted) {
		t.Fatalf("the cut-off link: %v", err)
	}
}
