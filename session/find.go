package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/scan"
)

// FoundBy says how Find read the accounts it returns.
const (
	FoundByEmail   = "email"
	FoundByUserID  = "user id"
	FoundByLinked  = "linked identity" // the id is an identity linked into another account
	FoundBySearch  = "username, phone or identity id"
	maxFindResults = 50
	// FindQueryLength is the longest query Find takes: no email (254),
	// user id or username is longer.
	FindQueryLength = 320
)

// Found is what Find read: the accounts matching a query, each read by id
// (consistent), and the connections to name them with.
type Found struct {
	Query string
	By    string // one of the FoundBy… values
	Users []client.User
	Conns *linking.Connections
	// NumberEnd, when set, are the digits of a phone number typed without
	// its country code: an account whose number only ends so was matched
	// by that end (EndsOnly), whatever its country.
	NumberEnd string
}

// EndsOnly reports whether u was found only because its phone number ends
// with the digits typed (f.NumberEnd), not by the number whole.
func (f *Found) EndsOnly(u client.User) bool {
	if f.NumberEnd == "" || u.PhoneNumber == "" {
		return false
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, u.PhoneNumber)
	return digits != f.NumberEnd && strings.HasSuffix(digits, f.NumberEnd)
}

// prefixable is a query that may stand unquoted before a wildcard: none of
// Lucene's special characters.
var prefixable = regexp.MustCompile(`^[A-Za-z0-9._]{3,}$`)

// phoneLike is a query that can only be a phone number.
var phoneLike = regexp.MustCompile(`^\+?[0-9(][0-9 ().-]{4,}$`)

// Find finds any account, one or a family, without an export: by email in
// any case (users-by-email with the case-insensitive search), by user id
// (a read by id, or the account an identity of that id is linked into),
// else by username or phone number (an escaped search). Search results are
// read again by id before they are returned, since search lags behind
// writes. It runs beside a scan: it shares nothing with one.
func (s *Session) Find(ctx context.Context, query string) (*Found, error) {
	q := strings.TrimSpace(query)
	switch {
	case q == "":
		return nil, UsageError{errors.New("type an email, a user id, a username or a phone number")}
	case len(q) > FindQueryLength:
		return nil, UsageError{fmt.Errorf("a query of %d bytes is no identifier: at most %d", len(q), FindQueryLength)}
	}
	conns, err := s.Connections(ctx)
	if err != nil {
		return nil, err
	}
	f := &Found{Query: q, Conns: conns}
	switch {
	case strings.Contains(q, "|"):
		f.Users, f.By, err = s.findUserID(ctx, q)
		if err == nil && len(f.Users) == 0 && isEmailLike(q) {
			// No user id: an address may hold a | too (a+b|c@x.com).
			f.By = FoundByEmail
			f.Users, err = s.findEmail(ctx, q)
		}
	case isEmailLike(q):
		f.By = FoundByEmail
		f.Users, err = s.findEmail(ctx, q)
	default:
		f.By, f.NumberEnd = FoundBySearch, numberEnd(q)
		f.Users, err = s.findIdentifier(ctx, q, f.NumberEnd)
	}
	if err != nil {
		return nil, Explain(err)
	}
	return f, nil
}

// numberEnd is the digits of q when it is a phone number typed without its
// country code, which a stored number is matched by the end of (Found's
// NumberEnd); "" otherwise.
func numberEnd(q string) string {
	if compact := strings.Map(keepPhoneRune, q); phoneLike.MatchString(q) && !strings.HasPrefix(compact, "+") && len(compact) >= minPhoneDigits {
		return compact
	}
	return ""
}

// isEmailLike: a query with an @ and no white space is looked up as an
// email.
func isEmailLike(q string) bool { return strings.Contains(q, "@") && !strings.ContainsAny(q, " \t") }

func (s *Session) findEmail(ctx context.Context, email string) ([]client.User, error) {
	users, err := s.Tenant.UsersByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	// users-by-email is exact; a database account stores its email in lower
	// case, which the search (lagging) would only find later.
	if lower := strings.ToLower(email); lower != email {
		more, err := s.Tenant.UsersByEmail(ctx, lower)
		if err != nil {
			return nil, err
		}
		users = appendNew(users, more...)
	}
	return s.withHolders(ctx, email, users)
}

func (s *Session) findUserID(ctx context.Context, id string) ([]client.User, string, error) {
	u, err := s.Tenant.User(ctx, id)
	if err == nil {
		return []client.User{u}, FoundByUserID, nil
	}
	if !client.IsNotFound(err) {
		return nil, FoundByUserID, err
	}
	// A secondary linked away answers 404: find the account it lives in.
	out, err := s.linkedInto(ctx, id)
	if len(out) == 0 {
		return nil, FoundByUserID, err // looked up by user id, and by linked identity in vain
	}
	return out, FoundByLinked, err
}

// linkedInto finds the accounts the identity id (provider|id) is linked
// into: a secondary linked away answers 404. Those the snapshot and
// linkdesk's audit logs name are read by id first; else the search, which
// lags behind a link.
func (s *Session) linkedInto(ctx context.Context, id string) ([]client.User, error) {
	provider, rest, _ := strings.Cut(id, "|")
	holds := func(u client.User) bool {
		return slices.ContainsFunc(u.Linked(), func(l client.Identity) bool { return l.Provider == provider && l.UserID == rest })
	}
	if known, err := s.addHolders(ctx, nil, s.linkedOwners(ctx, id), holds); err != nil || len(known) > 0 {
		return known, err
	}
	found, err := s.search(ctx, `identities.user_id:"`+client.EscapeLucenePhrase(rest)+`"`)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(found, func(u client.User) bool { return !holds(u) }), nil
}

// findIdentifier finds the accounts holding the username or phone number
// q, their own (the search) or an identity linked into them (the snapshot
// and the audit logs say which: the search finds no linked identity's
// profile), each read again by id.
func (s *Session) findIdentifier(ctx context.Context, q, numberEnd string) ([]client.User, error) {
	users, err := s.searchIdentifier(ctx, q)
	if err != nil {
		return nil, err
	}
	f := &Found{Query: q, By: FoundBySearch, NumberEnd: numberEnd}
	holds := func(u client.User) bool {
		return f.holdsItself(u.Username, u.PhoneNumber) || f.LinkedMatch(u).Name != ""
	}
	// The snapshot's index is read at once (the scan keeps it beside the
	// snapshot): a username held on two connections, or a number typed
	// without its country code, may name an account and a linked identity.
	return s.addHolders(ctx, users, s.linkedNamed(ctx, q, numberEnd), holds)
}

// LinkedMatch is the identity linked into u that the query named (its
// user id, its id pasted without the provider, its username, its phone
// number) and what named it; none (Name "") when u holds that identifier
// itself, or when the query named u by its email or user id.
func (f *Found) LinkedMatch(u client.User) LinkedMatch {
	if f.By != FoundBySearch && f.By != FoundByLinked || f.holdsItself(u.Username, u.PhoneNumber) {
		return LinkedMatch{}
	}
	for _, l := range u.Linked() {
		username, _ := l.ProfileData["username"].(string)
		phone, _ := l.ProfileData["phone_number"].(string)
		switch {
		case f.By == FoundByLinked:
			if l.Provider+"|"+l.UserID == f.Query {
				return LinkedMatch{Identity: l, Name: linking.IdentifierUserID}
			}
		case l.UserID == f.Query:
			return LinkedMatch{Identity: l, Name: "id"}
		case username != "" && scan.UsernameKey(username) == scan.UsernameKey(f.Query):
			return LinkedMatch{Identity: l, Name: linking.IdentifierUsername}
		case phone != "" && f.holdsItself("", phone):
			return LinkedMatch{Identity: l, Name: linking.IdentifierPhoneNumber, Phone: phone, EndsOnly: scan.PhoneKey(phone) != scan.PhoneKey(f.Query)}
		}
	}
	return LinkedMatch{}
}

// LinkedMatch is an identity linked into an account found, and what of it
// the query named: linking.IdentifierUserID, "id" (without its provider),
// linking.IdentifierUsername or linking.IdentifierPhoneNumber.
type LinkedMatch struct {
	Identity client.Identity
	Name     string
	// Phone is the identity's number; EndsOnly, it was found only because
	// it ends with the digits typed (a number without its country code).
	Phone    string
	EndsOnly bool
}

// Sentence tells the operator that the query names no account of its own
// now but an identity linked into the account shown where ("the account
// below"); clean makes the tenant's strings safe to show.
func (m LinkedMatch) Sentence(clean func(string) string, query, where string) string {
	switch {
	case m.Name == linking.IdentifierUserID:
		return fmt.Sprintf("%s is no account of its own now: it is an identity linked into %s.", clean(query), where)
	case m.EndsOnly:
		return fmt.Sprintf("%s is only the end of the phone number %s of %s|%s, an identity linked into %s: check its country code; no account of its own now.",
			clean(query), clean(m.Phone), clean(m.Identity.Provider), clean(m.Identity.UserID), where)
	}
	return fmt.Sprintf("%s is the %s of %s|%s, an identity linked into %s: no account of its own now.",
		clean(query), strings.ReplaceAll(m.Name, "_", " "), clean(m.Identity.Provider), clean(m.Identity.UserID), where)
}

// holdsItself reports whether the username or phone number given is the
// one the query named (a phone number also by the digits it ends with,
// when the query had no country code).
func (f *Found) holdsItself(username, phone string) bool {
	if username != "" && scan.UsernameKey(username) == scan.UsernameKey(f.Query) {
		return true
	}
	if phone == "" || !phoneLike.MatchString(f.Query) {
		return false
	}
	digits := scan.PhoneKey(phone)
	return digits == scan.PhoneKey(f.Query) || f.NumberEnd != "" && strings.HasSuffix(digits, f.NumberEnd)
}

func (s *Session) searchIdentifier(ctx context.Context, q string) ([]client.User, error) {
	phrase := func(field, v string) string { return field + `:"` + client.EscapeLucenePhrase(v) + `"` }
	terms := []string{phrase("username", q)}
	if lower := strings.ToLower(q); lower != q {
		terms = append(terms, phrase("username", lower))
	}
	if phoneLike.MatchString(q) {
		terms = append(terms, phrase("phone_number", q))
		compact := strings.Map(keepPhoneRune, q)
		if compact != q {
			terms = append(terms, phrase("phone_number", compact))
		}
		if !strings.HasPrefix(compact, "+") && len(compact) >= minPhoneDigits {
			// A number typed without its country code, as people say it
			// ((415) 555-0123): Auth0 stores E.164 (+14155550123), and its
			// search takes a leading wildcard before 3 characters or more.
			terms = append(terms, "phone_number:*"+compact)
		}
	}
	if prefixable.MatchString(q) {
		terms = append(terms, "username:"+strings.ToLower(q)+"*") // the start of a username
	}
	terms = append(terms, phrase("identities.user_id", q)) // an id pasted without its provider
	return s.search(ctx, strings.Join(terms, " OR "))
}

// minPhoneDigits is the fewest digits a number typed without its country
// code is matched by (the end of a stored number): a national number with
// its area code; fewer (555-0123) would match strangers' numbers across
// every area code.
const minPhoneDigits = 10

func keepPhoneRune(r rune) rune {
	if r == '+' || r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// search runs one query and reads every hit again by id, dropping the ones
// gone meanwhile.
func (s *Session) search(ctx context.Context, q string) ([]client.User, error) {
	hits, err := client.SearchUsers(ctx, s.Tenant, q)
	if err != nil {
		return nil, err
	}
	var out []client.User
	for _, h := range hits[:min(len(hits), maxFindResults)] {
		u, err := s.Tenant.User(ctx, h.UserID)
		if client.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = appendNew(out, u)
	}
	return out, nil
}

func appendNew(to []client.User, more ...client.User) []client.User {
	for _, u := range more {
		dup := false
		for _, t := range to {
			dup = dup || t.UserID == u.UserID
		}
		if !dup {
			to = append(to, u)
		}
	}
	return to
}

// Account is one account as the account screen and `linkdesk show` show it:
// the user, its roles and organizations (each with the error that kept it
// from being read), and the accounts sharing its email, classified.
type Account struct {
	User     client.User
	Conns    *linking.Connections
	Roles    []client.Role
	RolesErr error
	Orgs     []client.Organization
	OrgsErr  error
	Group    *linking.Group // nil when no email; one account alone has a group of one
	GroupErr error
}

// ReadAccount reads one account by id with its roles, organizations and
// the accounts that share its email.
func (s *Session) ReadAccount(ctx context.Context, userID string) (*Account, error) {
	conns, err := s.Connections(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.Tenant.User(ctx, userID)
	if err != nil {
		return nil, Explain(err)
	}
	a := &Account{User: u, Conns: conns}
	// The three reads are independent: at once, the screen waits for the
	// longest (the group's) rather than for their sum; the pacer keeps them
	// within the tenant's rate limit.
	var wg sync.WaitGroup
	wg.Go(func() { a.Roles, a.RolesErr = s.Tenant.UserRoles(ctx, userID) })
	wg.Go(func() { a.Orgs, a.OrgsErr = s.Tenant.UserOrganizations(ctx, userID) })
	if linking.NormalizeEmail(u.Email) != "" { // an address with no key groups nothing (a lost character)
		wg.Go(func() { a.Group, a.GroupErr = s.ReadGroup(ctx, u.Email) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil { // said with what it was reading when Ctrl-C came
		return a, fmt.Errorf("reading the roles, organizations and email group of %s: %w", userID, err)
	}
	return a, nil
}

// Explain words the errors an operator can fix: credentials the tenant
// refuses name the settings to check. Other errors pass unchanged.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" && re.Response != nil {
			code = http.StatusText(re.Response.StatusCode)
		}
		return &CredentialsError{Err: err, Code: code, Setting: "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET"}
	}
	var ae *client.Error
	if errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized {
		if ae.Path == "/oauth/token" {
			return &CredentialsError{Err: err, Code: ae.Code, Setting: "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET"}
		}
		return &CredentialsError{Err: err, Code: ae.Code, Setting: "AUTH0_API_TOKEN"}
	}
	return err
}

// CredentialsError is the tenant refusing linkdesk's credentials.
type CredentialsError struct {
	Err     error
	Code    string // Auth0's error code (access_denied, invalid_client, …)
	Setting string // what to check
	Hint    string // what the command adds, when it knows a likely cause
}

func (e *CredentialsError) Error() string {
	code := e.Code
	if code == "" {
		code = "unauthorized"
	}
	msg := fmt.Sprintf("the tenant refused linkdesk's credentials (%s): check %s (or the --client-id, --client-secret, --api-token flags) for this AUTH0_DOMAIN", code, e.Setting)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *CredentialsError) Unwrap() error { return e.Err }
