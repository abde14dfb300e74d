package scan

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/client"
)

// windowTenant answers updated_at range searches over its users as Auth0
// does: a total, pages of at most client.SearchPerPage, and a 400 for a
// page past the 1,000-result cap.
type windowTenant struct {
	users   []client.User
	queries []string
	calls   int64
}

func (w *windowTenant) SearchPage(_ context.Context, q string, page, perPage int) ([]client.User, int, error) {
	w.calls++
	w.queries = append(w.queries, q)
	if (page+1)*perPage > client.SearchCap {
		return nil, 0, &client.Error{StatusCode: 400, Message: "You can only page through the first 1000 records"}
	}
	rest, ok := strings.CutPrefix(q, "updated_at:")
	if !ok || len(rest) < 2 {
		return nil, 0, fmt.Errorf("unexpected query %q", q)
	}
	loInc, hiInc := rest[0] == '[', rest[len(rest)-1] == ']'
	lo, hi, _ := strings.Cut(rest[1:len(rest)-1], " TO ")
	from, err1 := time.Parse(time.RFC3339Nano, lo)
	to, err2 := time.Parse(time.RFC3339Nano, hi)
	if err1 != nil || err2 != nil {
		return nil, 0, fmt.Errorf("bad range %q", q)
	}
	var match []client.User
	for _, u := range w.users {
		t := u.UpdatedAt
		if (t.After(from) || loInc && t.Equal(from)) && (t.Before(to) || hiInc && t.Equal(to)) {
			match = append(match, u)
		}
	}
	start, end := min(page*perPage, len(match)), min((page+1)*perPage, len(match))
	return match[start:end], len(match), nil
}

func (w *windowTenant) Logs(context.Context, string, int) ([]client.LogEvent, error) { return nil, nil }
func (w *windowTenant) APICalls() int64                                              { return w.calls }

// TestChangedUsersAreReadPastTheSearchCap: 2,500 users changed in one
// window (300 of them in the same millisecond) are all read, once each, by
// splitting the window wherever it holds more than 1,000, with few
// searches beyond the pages themselves.
func TestChangedUsersAreReadPastTheSearchCap(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	w := &windowTenant{}
	for i := range 2500 {
		at := from.Add(time.Duration(min(i, 2200)) * 1400 * time.Millisecond)
		w.users = append(w.users, client.User{UserID: fmt.Sprintf("auth0|%04d", i), UpdatedAt: at})
	}
	to := from.Add(time.Hour)
	got, err := changedBetween(context.Background(), w, from, to)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, u := range got {
		seen[u.UserID]++
	}
	if len(got) != 2500 || len(seen) != 2500 {
		t.Fatalf("read %d users, %d distinct, want 2500", len(got), len(seen))
	}
	if w.calls > 2500/client.SearchPerPage+8 {
		t.Errorf("%d searches for 2,500 users", w.calls)
	}
	t.Logf("%d searches: %s …", w.calls, strings.Join(w.queries[:3], " | "))
}
