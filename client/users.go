package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/auth0/go-auth0/management"
)

// call makes one request through the SDK's client (token, user agent, our
// transport) and decodes the answer with linkdesk's tolerant types.
func (t *tenant) call(ctx context.Context, method, uri string, body, out any, opts ...management.RequestOption) error {
	req, err := t.m.NewRequest(ctx, method, uri, body, opts...)
	if err != nil {
		return err
	}
	path := req.URL.EscapedPath()
	resp, err := t.m.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode >= http.StatusBadRequest {
		return parseError(method, path, resp.StatusCode, data)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// sdkError turns an error of an SDK manager call into an *Error, recovering
// the errorCode from the body the transport captured.
func sdkError(method, path string, err error, c *capturedError) error {
	if err == nil {
		return nil
	}
	var me management.Error
	if errors.As(err, &me) {
		c.mu.Lock()
		status, body := c.status, c.body
		c.mu.Unlock()
		if status == me.Status() && body != nil {
			return parseError(method, path, status, body)
		}
		return &Error{Method: method, Path: path, StatusCode: me.Status(), Message: me.Error()}
	}
	return fmt.Errorf("%s %s: %w", method, path, unwrapURLError(err))
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (t *tenant) writeAllowed() error {
	if t.readOnly {
		return ErrReadOnly
	}
	return nil
}

func (t *tenant) Connections(ctx context.Context) ([]Connection, error) {
	var all []Connection
	for page := 0; ; page++ {
		cctx, c := withCapture(ctx)
		list, err := t.m.Connection.List(cctx, management.Page(page), management.PerPage(50), management.IncludeTotals(true))
		if err != nil {
			return nil, sdkError(http.MethodGet, "/api/v2/connections", err, c)
		}
		for _, c := range list.Connections {
			if c != nil {
				all = append(all, connectionFromManagement(c))
			}
		}
		if !list.HasNext() || len(list.Connections) == 0 {
			return all, nil
		}
	}
}

func (t *tenant) User(ctx context.Context, id string) (User, error) {
	var u User
	err := t.call(ctx, http.MethodGet, t.m.URI("users", id), nil, &u)
	return u, err
}

// searchPerPage is the page size of user searches: Auth0's public cloud
// documents 50 as the maximum now.
const searchPerPage = 50

// searchCap is the most results Auth0 lets a search page through.
const searchCap = 1000

func (t *tenant) UsersByEmail(ctx context.Context, email string) ([]User, error) {
	var exact []User
	if err := t.call(ctx, http.MethodGet, t.m.URI("users-by-email"), nil, &exact, management.Parameter("email", email)); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(exact))
	for _, u := range exact {
		seen[u.UserID] = true
	}
	found, err := t.search(ctx, `email:"`+EscapeLucenePhrase(email)+`"`)
	if err != nil {
		return nil, err
	}
	out := exact
	for _, u := range found {
		if seen[u.UserID] {
			continue
		}
		seen[u.UserID] = true
		// Search is eventually consistent: confirm a search-only hit by id
		// (consistent) before showing it, and drop it if it is gone.
		fresh, err := t.User(ctx, u.UserID)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, fresh)
	}
	return out, nil
}

// search pages through a v3 user search up to Auth0's 1,000-result cap.
func (t *tenant) search(ctx context.Context, q string) ([]User, error) {
	var out []User
	for page := 0; (page+1)*searchPerPage <= searchCap; page++ {
		var res struct {
			Users []User `json:"users"`
			Total int    `json:"total"`
		}
		err := t.call(ctx, http.MethodGet, t.m.URI("users"), nil, &res,
			management.Query(q), management.Parameter("search_engine", "v3"),
			management.Page(page), management.PerPage(searchPerPage), management.IncludeTotals(true))
		if err != nil {
			return nil, err
		}
		out = append(out, res.Users...)
		if len(res.Users) < searchPerPage || len(out) >= res.Total {
			return out, nil
		}
	}
	return out, nil
}

// SearchUsers runs one Lucene query (v3) and returns up to 1,000 users. Search
// is eventually consistent: never decide a write from it.
func SearchUsers(ctx context.Context, tn Tenant, q string) ([]User, error) {
	t, ok := tn.(*tenant)
	if !ok {
		return nil, errors.New("search is not supported by this tenant")
	}
	return t.search(ctx, q)
}

// EscapeLucenePhrase escapes s for use inside a quoted Lucene phrase, so an
// address like `a@b.com" OR email:*` searches for itself only. Only " and \
// mean anything inside a phrase; every other byte, invalid UTF-8 included,
// is passed as it is.
func EscapeLucenePhrase(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (t *tenant) UpdateMetadata(ctx context.Context, id string, userMetadata, appMetadata map[string]any) (User, error) {
	if err := t.writeAllowed(); err != nil {
		return User{}, err
	}
	body := map[string]any{}
	if userMetadata != nil {
		body["user_metadata"] = userMetadata
	}
	if appMetadata != nil {
		body["app_metadata"] = appMetadata
	}
	var u User
	// A one-level merge PATCH gives the same result when repeated.
	err := t.call(withRetryable(ctx), http.MethodPatch, t.m.URI("users", id), body, &u)
	return u, err
}

func (t *tenant) SetBlocked(ctx context.Context, id string, blocked bool) (User, error) {
	if err := t.writeAllowed(); err != nil {
		return User{}, err
	}
	var u User
	// Setting the block it has changes nothing: safe to repeat.
	err := t.call(withRetryable(ctx), http.MethodPatch, t.m.URI("users", id), map[string]bool{"blocked": blocked}, &u)
	return u, err
}

func (t *tenant) Link(ctx context.Context, primaryID string, s LinkTarget) ([]Identity, error) {
	if err := t.writeAllowed(); err != nil {
		return nil, err
	}
	body := map[string]string{"provider": s.Provider, "user_id": s.UserID}
	if s.ConnectionID != "" {
		body["connection_id"] = s.ConnectionID
	}
	const attempts = 3
	var lastErr error
	for range attempts {
		var ids []Identity
		err := t.call(ctx, http.MethodPost, t.m.URI("users", primaryID, "identities"), body, &ids)
		var apiErr *Error
		if errors.As(err, &apiErr) && lastErr != nil && ctx.Err() == nil {
			// Sent again after a lost answer, and refused: the first send,
			// still being carried out when the primary was read, may have
			// linked it meanwhile (the secondary is then no user to link).
			if primary, rerr := t.User(ctx, primaryID); rerr == nil && hasIdentity(primary.Identities, s.Provider, s.UserID) {
				tellReadBack(ctx, err)
				return primary.Identities, nil
			}
		}
		if err == nil || errors.As(err, &apiErr) || errors.Is(err, ErrSandboxRunChanged) || ctx.Err() != nil {
			return ids, err
		}
		// The answer was lost: read the tenant instead of repeating blindly.
		lastErr = err
		primary, rerr := t.User(ctx, primaryID)
		if rerr != nil {
			return nil, fmt.Errorf("%w: link %s into %s: %v; reading the primary: %v", ErrOutcomeUnknown, s.Provider+"|"+s.UserID, primaryID, err, rerr)
		}
		if hasIdentity(primary.Identities, s.Provider, s.UserID) {
			tellReadBack(ctx, err)
			return primary.Identities, nil
		}
		if _, rerr := t.User(ctx, s.Provider+"|"+s.UserID); rerr != nil {
			return nil, fmt.Errorf("%w: link %s into %s: %v; the secondary: %v", ErrOutcomeUnknown, s.Provider+"|"+s.UserID, primaryID, err, rerr)
		}
		// Neither linked nor gone: the link did not happen, so it may be sent again.
		tellResent(ctx, Resent{Err: err.Error(), Why: "the answer was lost, and reading the primary shows the link was not made"})
	}
	return nil, fmt.Errorf("link %s into %s: %w", s.Provider+"|"+s.UserID, primaryID, lastErr)
}

func hasIdentity(ids []Identity, provider, userID string) bool {
	for i, id := range ids {
		if i > 0 && id.Provider == provider && id.UserID == userID {
			return true
		}
	}
	return false
}

func (t *tenant) Unlink(ctx context.Context, primaryID, provider, userID string) ([]Identity, error) {
	if err := t.writeAllowed(); err != nil {
		return nil, err
	}
	var ids []Identity
	err := t.call(ctx, http.MethodDelete, t.m.URI("users", primaryID, "identities", provider, userID), nil, &ids)
	var apiErr *Error
	if err == nil || errors.As(err, &apiErr) || errors.Is(err, ErrSandboxRunChanged) || ctx.Err() != nil {
		return ids, err
	}
	// The answer was lost: the primary says whether the identity is still there.
	primary, rerr := t.User(ctx, primaryID)
	if rerr != nil {
		return nil, fmt.Errorf("%w: unlink %s|%s from %s: %v; reading the primary: %v", ErrOutcomeUnknown, provider, userID, primaryID, err, rerr)
	}
	if !hasIdentity(primary.Identities, provider, userID) {
		tellReadBack(ctx, err)
		return primary.Identities, nil
	}
	// Still linked, so the unlink did not happen: it is safe to send once more.
	tellResent(ctx, Resent{Err: err.Error(), Why: "the answer was lost, and reading the primary shows the identity still linked"})
	err = t.call(ctx, http.MethodDelete, t.m.URI("users", primaryID, "identities", provider, userID), nil, &ids)
	if errors.As(err, &apiErr) && ctx.Err() == nil {
		// Refused: the first send, still being carried out when the primary
		// was read, may have unlinked it meanwhile.
		if primary, rerr := t.User(ctx, primaryID); rerr == nil && !hasIdentity(primary.Identities, provider, userID) {
			tellReadBack(ctx, err)
			return primary.Identities, nil
		}
	}
	return ids, err
}

func (t *tenant) DeleteUser(ctx context.Context, id string) error {
	if err := t.writeAllowed(); err != nil {
		return err
	}
	cctx, c := withCapture(withRetryable(ctx)) // 204 whether or not the user exists: safe to repeat
	return sdkError(http.MethodDelete, "/api/v2/users/"+url.PathEscape(id), t.m.User.Delete(cctx, id), c)
}

func (t *tenant) PasswordChangeTicket(ctx context.Context, userID string, opts TicketOptions) (string, error) {
	if err := t.writeAllowed(); err != nil {
		return "", err
	}
	ticket := &management.Ticket{UserID: &userID}
	if opts.TTLSec > 0 {
		ticket.TTLSec = &opts.TTLSec
	}
	if opts.ClientID != "" {
		ticket.ClientID = &opts.ClientID
	}
	if opts.ResultURL != "" {
		ticket.ResultURL = &opts.ResultURL
	}
	if opts.MarkEmailVerified {
		ticket.MarkEmailAsVerified = &opts.MarkEmailVerified
	}
	// Never repeated: a request that failed after the tenant acted would
	// leave a second live ticket no one asked for, and the audit log one
	// call. A lost answer is the executor's to record as unknown.
	cctx, c := withCapture(ctx)
	if err := t.m.Ticket.ChangePassword(cctx, ticket); err != nil {
		return "", sdkError(http.MethodPost, "/api/v2/tickets/password-change", err, c)
	}
	return ticket.GetTicket(), nil
}

func (t *tenant) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	if err := t.writeAllowed(); err != nil {
		return User{}, err
	}
	var u User
	// Not repeated blindly: a lost answer is settled by reading the user.
	err := t.call(ctx, http.MethodPost, t.m.URI("users"), nu, &u)
	return u, err
}
