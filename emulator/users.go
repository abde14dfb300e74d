package emulator

import (
	"bytes"
	"cmp"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
	"github.com/linkdesk/linkdesk/emulator/lucene"
)

// searchCap is how many results of one query can be paged through.
const searchCap = 1000

type paging struct {
	page, perPage int
	totals        bool
}

func parsePaging(q url.Values, def, max int) (paging, error) {
	pg := paging{perPage: def}
	bad := func(name string) error {
		return badRequest("invalid_query_string", "Query validation error: 'Invalid value \"%s\" for property %s'.", q.Get(name), name)
	}
	if q.Has("page") {
		n, err := strconv.Atoi(q.Get("page"))
		if err != nil || n < 0 {
			return pg, bad("page")
		}
		pg.page = n
	}
	if q.Has("per_page") {
		n, err := strconv.Atoi(q.Get("per_page"))
		if err != nil || n < 1 || n > max {
			return pg, bad("per_page")
		}
		pg.perPage = n
	}
	if q.Has("include_totals") {
		b, err := strconv.ParseBool(q.Get("include_totals"))
		if err != nil {
			return pg, bad("include_totals")
		}
		pg.totals = b
	}
	return pg, nil
}

// projection is the fields / include_fields query: which top-level members
// of an answer to keep. A nil projection keeps everything.
type projection struct {
	fields  []string
	include bool
}

func parseProjection(q url.Values) *projection {
	if q.Get("fields") == "" {
		return nil
	}
	p := &projection{include: q.Get("include_fields") != "false"}
	for f := range strings.SplitSeq(q.Get("fields"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			p.fields = append(p.fields, f)
		}
	}
	return p
}

// appendFiltered appends the JSON object obj with only the members p keeps.
func (p *projection) appendFiltered(b, obj []byte) []byte {
	if p == nil {
		return append(b, obj...)
	}
	w := rawjson.Writer{B: append(b, '{')}
	rawjson.EachMember(obj, func(k, v []byte) bool {
		if slices.ContainsFunc(p.fields, func(f string) bool { return rawjson.KeyIs(k, f) }) == p.include {
			w.Raw(rawjson.KeyString(k), v)
		}
		return true
	})
	return append(w.B, '}')
}

func (p *projection) appendUser(b []byte, u *User) []byte {
	if p == nil {
		return u.AppendJSON(b)
	}
	return p.appendFiltered(b, u.AppendJSON(nil))
}

func (p *projection) appendUsers(b []byte, us []*User) []byte {
	b = append(b, '[')
	for i, u := range us {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.appendUser(b, u)
	}
	return append(b, ']')
}

// parseSort reads sort=field:1 (ascending) or field:-1. Users without the
// field come last.
func parseSort(s string) (func(a, b *User) int, error) {
	if s == "" {
		return nil, nil
	}
	name, dir, _ := strings.Cut(s, ":")
	order := 1
	switch dir {
	case "1", "":
	case "-1":
		order = -1
	default:
		return nil, badRequest("invalid_query_string", "Query validation error: 'Invalid value \"%s\" for property sort'.", s)
	}
	switch k, _ := lucene.Users.Resolve(name); {
	case k == lucene.FieldLoginsCount:
		return func(a, b *User) int {
			if !a.HasLoginsCount || !b.HasLoginsCount {
				return cmp.Compare(boolInt(!a.HasLoginsCount), boolInt(!b.HasLoginsCount))
			}
			return order * cmp.Compare(a.LoginsCount, b.LoginsCount)
		}, nil
	case k.IsDate():
		return func(a, b *User) int {
			ta, tb := userTime(a, k), userTime(b, k)
			if ta.IsZero() || tb.IsZero() {
				return cmp.Compare(boolInt(ta.IsZero()), boolInt(tb.IsZero()))
			}
			return order * ta.Compare(tb)
		}, nil
	case k >= lucene.FieldUserID && k <= lucene.FieldLastIP:
		return func(a, b *User) int {
			sa, sb := userText(a, k), userText(b, k)
			if sa == "" || sb == "" {
				return cmp.Compare(boolInt(sa == ""), boolInt(sb == ""))
			}
			if k.Folded() {
				sa, sb = lucene.Fold(sa), lucene.Fold(sb)
			}
			return order * strings.Compare(sa, sb)
		}, nil
	}
	return nil, badRequest("invalid_query_string", "Query validation error: 'Cannot sort by %s'.", name)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// handleListUsers is GET /api/v2/users: list or search.
func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("search_engine"); e != "" && e != "v3" && e != "v2" {
		writeError(w, badRequest("invalid_query_string", "Query validation error: 'Invalid value \"%s\" for property search_engine'.", e))
		return
	}
	pg, err := parsePaging(q, 50, 100)
	if err != nil {
		writeError(w, err)
		return
	}
	search, err := parseUserQuery(q.Get("q"))
	if err != nil {
		writeError(w, err)
		return
	}
	order, err := parseSort(q.Get("sort"))
	if err != nil {
		writeError(w, err)
		return
	}
	start := pg.page * pg.perPage
	if start >= searchCap {
		writeError(w, badRequest("invalid_paging",
			"You can only page through the first %d records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation", searchCap))
		return
	}
	end := min(start+pg.perPage, searchCap)
	page, total := s.searchUsers(search, order, start, end)
	proj := parseProjection(q)
	if !pg.totals {
		writeJSON(w, http.StatusOK, proj.appendUsers(nil, page))
		return
	}
	b := []byte(`{"start":`)
	for _, n := range [...]struct {
		key string
		val int
	}{{"", start}, {"limit", pg.perPage}, {"length", len(page)}, {"total", total}} {
		if n.key != "" {
			b = append(rawjson.AppendString(append(b, ','), n.key), ':')
		}
		b = strconv.AppendInt(b, int64(n.val), 10)
	}
	b = append(b, `,"users":`...)
	b = append(proj.appendUsers(b, page), '}')
	writeJSON(w, http.StatusOK, b)
}

// searchUsers returns the matches [start, end) in order and how many match.
func (s *Server) searchUsers(search lucene.Query, order func(a, b *User) int, start, end int) ([]*User, int) {
	t := s.st.searchTable(s.now())
	defer s.st.mu.RUnlock()
	total := 0
	if order == nil {
		var page []*User
		t.each(func(u *User) bool {
			if search.Match((*userDoc)(u)) {
				if total >= start && total < end {
					page = append(page, u)
				}
				total++
			}
			return true
		})
		return page, total
	}
	var all []*User
	t.each(func(u *User) bool {
		if search.Match((*userDoc)(u)) {
			all = append(all, u)
		}
		return true
	})
	slices.SortStableFunc(all, order)
	return all[min(start, len(all)):min(end, len(all))], len(all)
}

// handleGetUser is GET /api/v2/users/{id}: consistent.
func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	u := s.st.getUser(r.PathValue("id"))
	if u == nil {
		writeError(w, errUserNotFound)
		return
	}
	writeJSON(w, http.StatusOK, parseProjection(r.URL.Query()).appendUser(nil, u))
}

// handleUsersByEmail is GET /api/v2/users-by-email: exact (case-sensitive)
// match on the stored email, consistent, every account with the address.
func (s *Server) handleUsersByEmail(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	email := q.Get("email")
	if email == "" {
		writeError(w, badRequest("invalid_query_string", "Query validation error: 'Missing required property: email'."))
		return
	}
	s.st.mu.RLock()
	us := s.st.users.byEmail(email)
	s.st.mu.RUnlock()
	writeJSON(w, http.StatusOK, parseProjection(q).appendUsers(nil, us))
}

// handleDeleteUser is DELETE /api/v2/users/{id}: 204 whether or not the user
// existed; its linked identities go with it.
func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if p, rest, ok := strings.Cut(id, "|"); !ok || p == "" || rest == "" {
		writeError(w, badRequest("invalid_uri",
			"Path validation error: 'String does not match pattern ^.+\\|.+$: %s' on property id (ID of the user to delete).", id))
		return
	}
	s.st.mu.Lock()
	gone := s.st.removeLocked(id, s.now())
	if gone != nil {
		s.st.forgetLocked(gone)
	}
	s.st.mu.Unlock()
	if gone != nil {
		s.countEffect(RouteDeleteUser)
		s.record(s.userEvent(r, EventUserDeleted, caller(r).clientID, gone))
	}
	writeNoContent(w)
}

// payload is a request body, member by member, with typed readers that
// answer Auth0's invalid_body errors.
type payload map[string]json.RawMessage

func (p payload) only(allowed ...string) error {
	for k := range p {
		if !slices.Contains(allowed, k) {
			return invalidBody("'Additional properties not allowed: %s'.", k)
		}
	}
	return nil
}

func (p payload) str(key string) (string, bool, error) {
	return member(p, key, "string", rawjson.Unquote)
}

func (p payload) boolean(key string) (bool, bool, error) {
	return member(p, key, "boolean", func(raw []byte) (bool, bool) {
		switch string(raw) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return false, false
	})
}

// object reads a metadata object; null reads as an empty object.
func (p payload) object(key string) (json.RawMessage, bool, error) {
	return member(p, key, "object", func(raw []byte) (json.RawMessage, bool) {
		switch jsonType(raw) {
		case "object":
			return raw, true
		case "null":
			return json.RawMessage("{}"), true
		}
		return nil, false
	})
}

// member reads the property key with read, which says whether its value is
// of the type want: (value, present, error), an absent property being the
// zero value and not present, a value of another type Auth0's invalid_body.
func member[T any](p payload, key, want string, read func([]byte) (T, bool)) (T, bool, error) {
	var zero T
	raw, ok := p[key]
	if !ok {
		return zero, false, nil
	}
	v, ok := read(raw)
	if !ok {
		return zero, true, wrongType(key, want, raw)
	}
	return v, true, nil
}

// wrongType is Auth0's invalid_body answer to a property key whose value
// raw is not of the type want.
func wrongType(key, want string, raw []byte) error {
	return invalidBody("'Expected type %s but found type %s' on property %s.", want, jsonType(raw), key)
}

func jsonType(raw []byte) string {
	if len(raw) == 0 {
		return "undefined"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

// randomAlnum is n random letters and digits, as Auth0's ids and tickets.
func randomAlnum(n int) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// newJobID is a job id as Auth0 makes them: job_iSjvljNtsTMmSpRW (recorded).
func newJobID() string { return "job_" + randomAlnum(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// profileStrings are the plain profile fields a request may set.
func profileStrings(u *User) map[string]*string {
	return map[string]*string{
		"name": &u.Name, "given_name": &u.GivenName, "family_name": &u.FamilyName,
		"nickname": &u.Nickname, "picture": &u.Picture,
	}
}

// handleCreateUser is POST /api/v2/users, for database and passwordless
// connections.
func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	body, err := readObject(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	u, err := s.createUser(payload(body), s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	s.countEffect(RouteCreateUser)
	// Logged as a signup, with the request (password masked) as details.
	clientID := caller(r).clientID
	sent := map[string]json.RawMessage{}
	for k, v := range body {
		sent[k] = v
	}
	if _, ok := sent["password"]; ok {
		sent["password"] = json.RawMessage(`"*****"`)
	}
	sent["client_id"], sent["tenant"], sent["is_signup"] = jsonString(clientID), jsonString(r.Host), json.RawMessage("false")
	e := s.userEvent(r, EventSignup, clientID, u)
	e.details, _ = json.Marshal(map[string]any{"authentication_methods": []string{"pwd"}, "body": sent})
	s.record(e)
	writeJSON(w, http.StatusCreated, u.AppendJSON(nil))
}

func (s *Server) createUser(p payload, now time.Time) (*User, error) {
	err := p.only("connection", "email", "phone_number", "user_metadata", "blocked", "email_verified",
		"phone_verified", "app_metadata", "given_name", "family_name", "name", "nickname", "picture",
		"user_id", "password", "verify_email", "username")
	if err != nil {
		return nil, err
	}
	connName, ok, err := p.str("connection")
	if err != nil {
		return nil, err
	}
	if !ok || connName == "" {
		return nil, invalidBody("'Missing required property: connection'.")
	}
	conn := s.st.connection(connName)
	if conn == nil {
		return nil, badRequest("inexistent_connection", "The connection does not exist.")
	}
	if !isDatabase(conn) && !isPasswordless(conn) {
		return nil, badRequest("operation_not_supported", "Users can only be created on database and passwordless connections.")
	}
	u := &User{CreatedAt: now, UpdatedAt: now}
	for key, dst := range profileStrings(u) {
		if *dst, _, err = p.str(key); err != nil {
			return nil, err
		}
	}
	given := map[string]string{}
	for _, key := range []string{"email", "username", "phone_number", "password", "user_id"} {
		v, ok, err := p.str(key)
		if err != nil {
			return nil, err
		}
		if ok {
			given[key] = v
		}
	}
	required := requiredAttributes(conn)
	switch conn.Strategy {
	case "auth0":
		required = append(required, "password")
	case "sms":
		required = []string{"phone_number"}
	case "email":
		required = []string{"email"}
	}
	for _, key := range required {
		if given[key] == "" {
			return nil, invalidBody("'Missing required property: %s'.", key)
		}
	}
	if e, ok := given["email"]; ok && !validEmail(e) {
		return nil, invalidBody("'Object didn't pass validation for format email: %s' on property email.", e)
	}
	u.Email, u.Username, u.PhoneNumber = given["email"], given["username"], given["phone_number"]
	u.Email, u.Username = storedCase(conn, u.Email), storedCase(conn, u.Username)
	for key, dst := range map[string]*Flag{"email_verified": &u.EmailVerified, "phone_verified": &u.PhoneVerified} {
		b, ok, err := p.boolean(key)
		if err != nil {
			return nil, err
		}
		if ok {
			*dst = FlagOf(b)
		}
	}
	if u.Email != "" && !u.EmailVerified.Set() {
		u.EmailVerified = FlagFalse
	}
	if b, ok, err := p.boolean("blocked"); err != nil {
		return nil, err
	} else if ok {
		u.Blocked = FlagOf(b) // echoed as sent (recorded)
	}
	if _, _, err := p.boolean("verify_email"); err != nil {
		return nil, err
	}
	for key, dst := range map[string]*json.RawMessage{"user_metadata": &u.UserMetadata, "app_metadata": &u.AppMetadata} {
		if *dst, _, err = p.object(key); err != nil {
			return nil, err
		}
	}
	idPart := given["user_id"]
	if idPart == "" {
		idPart = randomHex(12)
	}
	provider := conn.Strategy
	u.UserID = provider + "|" + idPart
	u.Identities = []Identity{{Connection: conn.Name, Provider: provider, UserID: IdentityID{Value: idPart}}}
	defaultProfile(u)

	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if s.st.users.get(u.UserID) != nil {
		return nil, errUserExists
	}
	if err := s.st.checkUniqueLocked(conn, u, ""); err != nil {
		return nil, err
	}
	s.st.putLocked(u, now)
	if pw := given["password"]; pw != "" && isDatabase(conn) {
		s.st.setPasswordLocked(u.UserID, pw)
	}
	return u, nil
}

// defaultProfile fills name, nickname and picture as Auth0 does for a new
// database or passwordless user.
func defaultProfile(u *User) {
	if u.Name == "" {
		u.Name = defaultName(u)
	}
	if u.Nickname == "" {
		local, _, _ := strings.Cut(u.Email, "@")
		u.Nickname = cmp.Or(local, u.Username, u.PhoneNumber)
	}
	if u.Picture == "" {
		u.Picture = defaultPicture(u.Email, u.Name)
	}
}

// defaultName is the name Auth0 gives a user made without one.
func defaultName(u *User) string { return cmp.Or(u.Email, u.Username, u.PhoneNumber) }

// defaultPicture is Auth0's picture for a user made without one: the
// Gravatar of the email, falling back to an avatar of the name's initials
// (recorded for POST /api/v2/users of chuck@example.com:
// https://s.gravatar.com/avatar/<md5>?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fch.png;
// users imported by a job get secure.gravatar.com instead).
func defaultPicture(email, name string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "https://s.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) +
		"?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F" + initials(name) + ".png"
}

// initials are the first letters of the name's first two words, or the
// first two letters of a one-word name or an email, lower-cased ASCII
// ("default" when there are none).
func initials(name string) string {
	letters := func(s string, n int) []byte {
		var out []byte
		for _, r := range s {
			if len(out) < n && r < unicode.MaxASCII && unicode.IsLetter(r) {
				out = append(out, byte(unicode.ToLower(r)))
			}
		}
		return out
	}
	words := strings.Fields(name)
	var out []byte
	if len(words) >= 2 && !strings.Contains(name, "@") {
		out = append(letters(words[0], 1), letters(words[1], 1)...)
	} else {
		out = letters(name, 2)
	}
	if len(out) == 0 {
		return "default"
	}
	return string(out)
}

// checkUniqueLocked refuses an email (unless the connection allows shared
// emails), a username, or a phone number where it is an identifier, that
// another user of conn already has.
func (st *store) checkUniqueLocked(conn *Connection, u *User, exceptID string) error {
	if u.Email != "" && uniqueEmails(conn) {
		for _, other := range st.users.byEmail(u.Email) {
			if other.UserID != exceptID && other.Connection() == conn.Name {
				return errUserExists
			}
		}
	}
	if u.PhoneNumber != "" && phoneIdentifies(conn) {
		var taken bool
		st.users.each(func(other *User) bool {
			taken = other.PhoneNumber == u.PhoneNumber && other.UserID != exceptID && other.Connection() == conn.Name
			return !taken
		})
		if taken {
			return errUserExists
		}
	}
	if u.Username == "" {
		return nil
	}
	var taken bool
	st.users.each(func(other *User) bool {
		same := other.Username == u.Username
		if storesLowerCase(conn) {
			same = strings.ToLower(other.Username) == strings.ToLower(u.Username) // a fixture's may not be lower case
		}
		taken = same && other.UserID != exceptID && other.Connection() == conn.Name
		return !taken
	})
	if taken {
		return newAPIError(http.StatusConflict, "auth0_idp_error", "The username provided is in use already.")
	}
	return nil
}

// handlePatchUser is PATCH /api/v2/users/{id}.
func (s *Server) handlePatchUser(w http.ResponseWriter, r *http.Request) {
	body, err := readObject(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	// The route takes update:users_app_metadata too, which reaches
	// app_metadata only: anything else needs update:users.
	if tok := caller(r); !tok.allows("update:users") {
		for k := range body {
			if k != "app_metadata" {
				writeError(w, errInsufficientScope("update:users"))
				return
			}
		}
	}
	u, changed, err := s.patchUser(r.PathValue("id"), payload(body), s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	if changed {
		s.countEffect(RoutePatchUser)
	}
	writeJSON(w, http.StatusOK, u.AppendJSON(nil))
}

// patchUser applies a PATCH; changed is false when the user was already as
// the PATCH asks (a repeated merge).
func (s *Server) patchUser(id string, p payload, now time.Time) (u *User, changed bool, err error) {
	err = p.only("blocked", "email_verified", "email", "phone_number", "phone_verified", "user_metadata",
		"app_metadata", "given_name", "family_name", "name", "nickname", "picture", "verify_email",
		"verify_phone_number", "password", "connection", "client_id", "username")
	if err != nil {
		return nil, false, err
	}
	for _, key := range []string{"connection", "client_id", "password"} {
		if _, _, err := p.str(key); err != nil {
			return nil, false, err
		}
	}
	for _, key := range []string{"verify_email", "verify_phone_number"} {
		if _, _, err := p.boolean(key); err != nil {
			return nil, false, err
		}
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	old := s.st.users.get(id)
	if old == nil {
		return nil, false, errUserNotFound
	}
	conn := s.st.connByName[old.Connection()]
	if c, ok, _ := p.str("connection"); ok && s.st.connByName[c] == nil {
		return nil, false, badRequest("inexistent_connection", "The connection does not exist.")
	}
	nu := *old // copy on write: old stays as search and exports saw it
	u = &nu
	u.Extra = nil
	extra := map[string]json.RawMessage{}
	for k, v := range old.Extra {
		if _, set := p[k]; !set {
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		u.Extra = extra
	}
	for key, dst := range profileStrings(u) {
		if v, ok, err := p.str(key); err != nil {
			return nil, false, err
		} else if ok {
			*dst = v
		}
	}
	db := conn != nil && isDatabase(conn)
	if _, ok := p["password"]; ok {
		if !db {
			return nil, false, badRequest("operation_not_supported", "Cannot update password of a user from a non-database connection.")
		}
		u.LastPasswordReset = now // recorded: a PATCH with a password answers last_password_reset
	}
	if v, ok, err := p.str("email"); err != nil {
		return nil, false, err
	} else if ok {
		if !validEmail(v) {
			return nil, false, invalidBody("'Object didn't pass validation for format email: %s' on property email.", v)
		}
		u.Email = storedCase(conn, v)
	}
	if v, ok, err := p.str("username"); err != nil {
		return nil, false, err
	} else if ok {
		if !db {
			return nil, false, badRequest("operation_not_supported", "Cannot update username of a user from a non-database connection.")
		}
		u.Username = storedCase(conn, v)
	}
	if v, ok, err := p.str("phone_number"); err != nil {
		return nil, false, err
	} else if ok {
		u.PhoneNumber = v
	}
	for key, dst := range map[string]*Flag{"email_verified": &u.EmailVerified, "phone_verified": &u.PhoneVerified} {
		if b, ok, err := p.boolean(key); err != nil {
			return nil, false, err
		} else if ok {
			*dst = FlagOf(b)
		}
	}
	if b, ok, err := p.boolean("blocked"); err != nil {
		return nil, false, err
	} else if ok {
		u.Blocked = FlagOf(b)
	}
	for key, dst := range map[string]*json.RawMessage{"user_metadata": &u.UserMetadata, "app_metadata": &u.AppMetadata} {
		if patch, ok, err := p.object(key); err != nil {
			return nil, false, err
		} else if ok {
			if *dst = mergeMetadata(*dst, patch); len(rawjson.Members(*dst)) == 0 {
				*dst = nil // recorded: PATCH with app_metadata {} answers without the key
			}
		}
	}
	if conn != nil && (u.Email != old.Email || u.Username != old.Username || u.PhoneNumber != old.PhoneNumber) {
		if err := s.st.checkUniqueLocked(conn, u, id); err != nil {
			return nil, false, err
		}
	}
	nu.UpdatedAt = old.UpdatedAt
	changed = !bytes.Equal(nu.AppendJSON(nil), old.AppendJSON(nil))
	nu.UpdatedAt = now
	s.st.putLocked(u, now)
	if pw, ok, _ := p.str("password"); ok && pw != "" {
		s.st.setPasswordLocked(u.UserID, pw)
		changed = true
	}
	return u, changed, nil
}

// mergeMetadata applies a PATCH to a metadata object as Auth0 does: top-level
// keys are replaced (one level deep), a key set to null is removed, and an
// empty object wipes everything.
func mergeMetadata(old, patch json.RawMessage) json.RawMessage {
	pms := rawjson.Members(patch)
	if len(pms) == 0 {
		return json.RawMessage("{}")
	}
	ms := rawjson.Members(old)
	for _, pm := range pms {
		i := slices.IndexFunc(ms, func(m rawjson.Member) bool { return m.Key == pm.Key })
		switch {
		case string(pm.Val) == "null" && i >= 0:
			ms = slices.Delete(ms, i, i+1)
		case string(pm.Val) == "null":
		case i >= 0:
			ms[i].Val = pm.Val
		default:
			ms = append(ms, pm)
		}
	}
	return rawjson.AppendObject(nil, ms)
}
