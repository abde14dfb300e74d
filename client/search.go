package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/auth0/go-auth0/management"
)

// Searcher is what an incremental scan asks of a tenant beyond Tenant: user
// searches one page at a time with their totals, the tenant's log, and a
// count of the calls made. The client's tenant has it; a Tenant without it
// is scanned by export only. Search and the log are eventually consistent:
// what they return is shown, never written from.
type Searcher interface {
	// SearchPage runs one v3 Lucene query and returns page (from 0) of
	// perPage users (at most SearchPerPage) and how many match in all. Pages
	// past Auth0's 1,000-result cap are refused by the tenant.
	SearchPage(ctx context.Context, q string, page, perPage int) (users []User, total int, err error)
	// Logs returns the log events matching q (Lucene on type, date and the
	// other members; "" for all), oldest first: the first limit of them, or
	// every one when limit is 0.
	Logs(ctx context.Context, q string, limit int) ([]LogEvent, error)
	// APICalls is how many Management API requests the client has sent
	// (retries and 429s included, the token requests not), as the tenant
	// counts them.
	APICalls() int64
}

// LogEvent is one event of the tenant's log, as GET /api/v2/logs lists it.
type LogEvent struct {
	LogID  string    `json:"log_id"`
	Type   string    `json:"type"` // e.g. "sdu": a user deleted
	Date   time.Time `json:"date"`
	UserID string    `json:"user_id"`
}

// SearchPerPage is the largest page a user search asks for: Auth0's public
// cloud documents 50.
const SearchPerPage = searchPerPage

// SearchCap is the most results Auth0 lets one search page through.
const SearchCap = searchCap

// logsPerPage is the largest page of GET /api/v2/logs.
const logsPerPage = 100

// LuceneTime writes t as a date in a Lucene range: Auth0's own layout, UTC.
func LuceneTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (t *tenant) SearchPage(ctx context.Context, q string, page, perPage int) ([]User, int, error) {
	var res struct {
		Users []User `json:"users"`
		Total int    `json:"total"`
	}
	err := t.call(ctx, http.MethodGet, t.m.URI("users"), nil, &res,
		management.Query(q), management.Parameter("search_engine", "v3"),
		management.Page(page), management.PerPage(min(perPage, searchPerPage)), management.IncludeTotals(true))
	return res.Users, res.Total, err
}

func (t *tenant) Logs(ctx context.Context, q string, limit int) ([]LogEvent, error) {
	perPage := logsPerPage
	if limit > 0 {
		perPage = min(limit, logsPerPage)
	}
	var out []LogEvent
	for page := 0; ; page++ {
		var events []LogEvent
		opts := []management.RequestOption{management.Parameter("sort", "date:1"), management.Page(page), management.PerPage(perPage)}
		if q != "" {
			opts = append(opts, management.Query(q))
		}
		if err := t.call(ctx, http.MethodGet, t.m.URI("logs"), nil, &events, opts...); err != nil {
			return nil, err
		}
		out = append(out, events...)
		if len(events) < perPage || limit > 0 && len(out) >= limit {
			return out, nil
		}
	}
}

func (t *tenant) APICalls() int64 { return t.calls.Load() }

// counted counts the Management API requests that reach the wire.
type counted struct {
	next  http.RoundTripper
	calls *atomic.Int64
}

func (c counted) RoundTrip(req *http.Request) (*http.Response, error) {
	if isAPI(req) {
		c.calls.Add(1)
	}
	return c.next.RoundTrip(req)
}

// QuotedOr is a Lucene clause matching field against any of values, each an
// escaped phrase: field:("a" OR "b").
func QuotedOr(field string, values []string) string {
	var b strings.Builder
	b.WriteString(field)
	b.WriteString(":(")
	for i, v := range values {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteByte('"')
		b.WriteString(EscapeLucenePhrase(v))
		b.WriteByte('"')
	}
	b.WriteByte(')')
	return b.String()
}

// IsNotServed reports an endpoint the tenant does not serve or lets this
// client read (404, 403): the log behind an application without read:logs.
func IsNotServed(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusForbidden)
}
