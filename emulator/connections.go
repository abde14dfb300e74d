package emulator

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// Connection settings the emulator reasons about, read from the options
// object as a fixture gives it.

func optionAt(c *Connection, path ...string) any {
	var v any = c.Options
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// isDatabase: users have passwords (strategy auth0).
func isDatabase(c *Connection) bool { return c.Strategy == "auth0" }

func isPasswordless(c *Connection) bool { return c.Strategy == "sms" || c.Strategy == "email" }

// nonUniqueEmails: a Non-Unique Email connection
// (options.attributes.email.unique == false).
func nonUniqueEmails(c *Connection) bool {
	return optionAt(c, "attributes", "email", "unique") == false
}

// storesLowerCase: a database connection of which Auth0 is the source of
// truth stores the email and the username in lower case, whatever case they
// come in; a custom database in legacy mode keeps them as its scripts give
// them.
func storesLowerCase(c *Connection) bool { return c != nil && isDatabase(c) && !legacyCustomDB(c) }

// storedCase is an email or a username as c stores it.
func storedCase(c *Connection, v string) string {
	if storesLowerCase(c) {
		return strings.ToLower(v)
	}
	return v
}

// legacyCustomDB: a custom database in legacy mode (enabledDatabaseCustomization
// without import_mode), whose scripts are the source of truth and may give
// several profiles one email.
func legacyCustomDB(c *Connection) bool {
	return optionAt(c, "enabledDatabaseCustomization") == true && optionAt(c, "import_mode") != true
}

// uniqueEmails: a new account may not take an email another account of
// the connection has.
func uniqueEmails(c *Connection) bool { return !nonUniqueEmails(c) && !legacyCustomDB(c) }

// phoneIdentifies: the phone number names one account of c, which Auth0
// holds unique there: on sms, and on a database where it is an active
// identifier (Flexible Identifiers).
func phoneIdentifies(c *Connection) bool {
	return c.Strategy == "sms" || isDatabase(c) && optionAt(c, "attributes", "phone_number", "identifier", "active") == true
}

// requiredAttributes are the profile attributes a new user must have: with
// Flexible Identifiers those whose signup.status is "required"; on a legacy
// database the email, and the username when requires_username is set.
func requiredAttributes(c *Connection) []string {
	if !isDatabase(c) {
		return nil
	}
	attrs, ok := optionAt(c, "attributes").(map[string]any)
	if !ok {
		req := []string{"email"}
		if optionAt(c, "requires_username") == true {
			req = append(req, "username")
		}
		return req
	}
	var req []string
	for _, name := range []string{"email", "username", "phone_number"} {
		if _, ok := attrs[name]; ok && optionAt(c, "attributes", name, "signup", "status") == "required" {
			req = append(req, name)
		}
	}
	return req
}

func cloneConnection(c *Connection) *Connection {
	cc := *c
	cc.Options, _ = cloneJSONValue(c.Options).(map[string]any)
	cc.EnabledClients = slices.Clone(c.EnabledClients)
	cc.Realms = slices.Clone(c.Realms)
	cc.Authentication = slices.Clone(c.Authentication)
	cc.ConnectedAccounts = slices.Clone(c.ConnectedAccounts)
	if c.ShowAsButton != nil {
		b := *c.ShowAsButton
		cc.ShowAsButton = &b
	}
	cc.Extra = maps.Clone(c.Extra)
	return &cc
}

// cloneJSONValue deep-copies a decoded JSON value, keeping every leaf
// (json.Number included) as it is.
func cloneJSONValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneJSONValue(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cloneJSONValue(e)
		}
		return l
	}
	return v
}

// connectionProjection is the fields query of a connections answer: Auth0
// always answers id and is_domain_connection (recorded: fields=id gives
// both).
func connectionProjection(q url.Values) *projection {
	p := parseProjection(q)
	if p == nil {
		return nil
	}
	if p.include {
		for _, f := range []string{"id", "is_domain_connection"} {
			if !slices.Contains(p.fields, f) {
				p.fields = append(p.fields, f)
			}
		}
	} else {
		p.fields = slices.DeleteFunc(p.fields, func(f string) bool { return f == "id" || f == "is_domain_connection" })
	}
	return p
}

// listParam reads a list filter as clients send it: repeated (strategy=a&
// strategy=b) or indexed (strategy[0]=a&strategy[1]=b), in any mix.
func listParam(q url.Values, name string) []string {
	vals := slices.Clone(q[name])
	indexed := map[int][]string{}
	for k, v := range q {
		rest, ok := strings.CutPrefix(k, name+"[")
		if n, err := strconv.Atoi(strings.TrimSuffix(rest, "]")); ok && err == nil && strings.HasSuffix(rest, "]") {
			indexed[n] = v
		}
	}
	for _, n := range slices.Sorted(maps.Keys(indexed)) {
		vals = append(vals, indexed[n]...)
	}
	return vals
}

// handleListConnections is GET /api/v2/connections: filters name and
// strategy (repeatable), offset paging (page, per_page, include_totals) or
// checkpoint paging (from, take).
func (s *Server) handleListConnections(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	proj := connectionProjection(q)
	strategies := listParam(q, "strategy")
	var conns []*Connection
	s.st.mu.RLock()
	all := s.st.conns
	s.st.mu.RUnlock()
	for _, c := range all { // a store's connections are never changed in place
		if q.Has("name") && c.Name != q.Get("name") {
			continue
		}
		if len(strategies) > 0 && !slices.Contains(strategies, c.Strategy) {
			continue
		}
		conns = append(conns, c)
	}
	appendConns := func(b []byte, cs []*Connection) []byte {
		b = append(b, '[')
		for i, c := range cs {
			if i > 0 {
				b = append(b, ',')
			}
			data, _ := json.Marshal(c)
			b = proj.appendFiltered(b, data)
		}
		return append(b, ']')
	}
	if q.Has("from") || q.Has("take") {
		s.listConnectionsFrom(w, q, conns, appendConns)
		return
	}
	pg, err := parsePaging(q, 50, 100)
	if err != nil {
		writeError(w, err)
		return
	}
	start := min(pg.page*pg.perPage, len(conns))
	page := conns[start:min(start+pg.perPage, len(conns))]
	if !pg.totals {
		writeJSON(w, http.StatusOK, appendConns(nil, page))
		return
	}
	b := []byte(`{"start":`)
	b = strconv.AppendInt(b, int64(start), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(pg.perPage), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(len(conns)), 10)
	b = append(b, `,"connections":`...)
	b = append(appendConns(b, page), '}')
	writeJSON(w, http.StatusOK, b)
}

// parseTake reads the take of checkpoint paging: 50 by default, 1 to 100.
func parseTake(q url.Values) (int, error) {
	if !q.Has("take") {
		return 50, nil
	}
	n, err := strconv.Atoi(q.Get("take"))
	if err != nil || n < 1 || n > 100 {
		return 0, badRequest("invalid_query_string", "Query validation error: 'Invalid value \"%s\" for property take'.", q.Get("take"))
	}
	return n, nil
}

// checkpointPage is the page [start, end) of a list of n items that
// checkpoint paging (from, take) asks for, and the checkpoint of the page
// after it ("" at the end); id is the i-th item's id. A checkpoint is
// opaque, as Auth0's are (recorded: base64 of what only the server reads):
// the id of the page's first item, base64url-encoded. A from that is no
// checkpoint of an item of the list is a 400.
func checkpointPage(q url.Values, n int, id func(i int) string) (start, end int, next string, err error) {
	take, err := parseTake(q)
	if err != nil {
		return 0, 0, "", err
	}
	if from := q.Get("from"); from != "" {
		start = -1
		if first, err := base64.RawURLEncoding.DecodeString(from); err == nil {
			for i := range n {
				if id(i) == string(first) {
					start = i
					break
				}
			}
		}
		if start < 0 {
			return 0, 0, "", badRequest("invalid_query_string", "Query validation error: 'Invalid value \"%s\" for property from'.", from)
		}
	}
	end = min(start+take, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(id(end)))
	}
	return start, end, next, nil
}

// listConnectionsFrom answers checkpoint paging: {connections, next}, next
// being the checkpoint of the following page (absent at the end).
func (s *Server) listConnectionsFrom(w http.ResponseWriter, q url.Values, conns []*Connection,
	appendConns func([]byte, []*Connection) []byte) {
	start, end, next, err := checkpointPage(q, len(conns), func(i int) string { return conns[i].ID })
	if err != nil {
		writeError(w, err)
		return
	}
	b := append([]byte(`{"connections":`), appendConns(nil, conns[start:end])...)
	if next != "" {
		b = rawjson.AppendString(append(b, `,"next":`...), next)
	}
	writeJSON(w, http.StatusOK, append(b, '}'))
}

// handleGetConnection is GET /api/v2/connections/{id}.
func (s *Server) handleGetConnection(w http.ResponseWriter, r *http.Request) {
	c := s.st.connectionByID(r.PathValue("id"))
	if c == nil {
		writeError(w, errNoConnection)
		return
	}
	data, _ := json.Marshal(c)
	writeJSON(w, http.StatusOK, connectionProjection(r.URL.Query()).appendFiltered(nil, data))
}
