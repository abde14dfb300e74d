package emulator

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// A fixture is one JSON object {"connections": [...], "users": [...]} whose
// elements have exactly the shape GET /api/v2/connections and
// GET /api/v2/users/{id} return, with optional "roles" and "organizations"
// (shaped as GET /api/v2/roles and GET /api/v2/organizations list them)
// and, in a user, optional "roles" and "organizations": the ids of its
// roles and organizations. What a sandbox's --dump writes reads as one too
// (ReadFixture).

// LoadFixture reads the fixture file at path.
func LoadFixture(path string) (*Tenant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := ReadFixture(f)
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", path, err)
	}
	return t, nil
}

// ReadFixture reads and checks a fixture. Users are read tolerantly (a field
// of an unexpected type stays raw in User.Extra); what the emulator cannot
// serve is an error naming the element: a user without a usable user_id, a
// duplicate user_id, an identity on a connection the fixture lacks or one
// that two users claim. A connection without id gets ConnectionIDFor(name);
// a user without identities gets the one its user_id implies, when its
// connection can be told from the user_id's provider. What a sandbox's
// --dump writes ({"stats": …, "tenant": {fixture}}, a Dump) is read as the
// fixture its "tenant" holds.
func ReadFixture(r io.Reader) (*Tenant, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	if tok, err := dec.Token(); readError(err) {
		return nil, err // a directory, an unreadable file: not the fixture's fault
	} else if err != nil || tok != json.Delim('{') {
		return nil, errors.New(`not a fixture: want one JSON object {"connections": [...], "users": [...]}`)
	}
	t := &Tenant{}
	if err := readFixtureMembers(dec, t, true); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the fixture's closing brace")
	}
	if err := checkTenant(t); err != nil {
		return nil, err
	}
	return t, nil
}

// readFixtureMembers reads into t the members of a fixture object whose
// opening brace was read, and its closing brace. The outermost object
// (outer) may instead be a Dump: "stats", passed over, and "tenant", the
// fixture read in its place; a dump's keys beside a fixture's are an error.
func readFixtureMembers(dec *json.Decoder, t *Tenant, outer bool) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return syntaxError(dec, err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("%q appears twice", key)
		}
		seen[key] = true
		if dump := key == "stats" || key == "tenant"; outer &&
			(dump && (seen["connections"] || seen["users"] || seen["roles"] || seen["organizations"]) || !dump && (seen["stats"] || seen["tenant"])) {
			return fmt.Errorf(`%q: a fixture's keys and a dump's in one object (a sandbox's --dump has "stats" and "tenant" alone, the fixture in "tenant")`, key)
		}
		switch key {
		case "connections":
			err = readArray(dec, key, func(i int, raw json.RawMessage) error {
				c, err := decodeConnection(raw)
				if err != nil {
					return fmt.Errorf("connections[%d]%s: %w", i, nameLabel(raw), err)
				}
				t.Connections = append(t.Connections, c)
				return nil
			})
		case "users":
			err = readArray(dec, key, func(i int, raw json.RawMessage) error {
				if raw[0] != '{' {
					return fmt.Errorf("users[%d]: want an object, got %s", i, jsonType(raw))
				}
				u := &User{}
				if err := u.UnmarshalJSON(raw); err != nil {
					return fmt.Errorf("users[%d]: %w", i, err)
				}
				t.Users = append(t.Users, u)
				return nil
			})
		case "roles":
			err = readObjects(dec, key, "string id, name and description", func(r *Role) {
				t.Roles = append(t.Roles, r)
			})
		case "organizations":
			err = readObjects(dec, key, "string id, name and display_name", func(o *Organization) {
				o.Branding, o.Metadata = rawjson.Compact(o.Branding), rawjson.Compact(o.Metadata)
				t.Organizations = append(t.Organizations, o)
			})
		case "stats", "tenant":
			if !outer {
				return unknownFixtureKey(key)
			}
			if key == "stats" { // the dump's counters: no part of the tenant
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return syntaxError(dec, err)
				}
				break
			}
			if tok, err := dec.Token(); err != nil {
				return syntaxError(dec, err)
			} else if tok != json.Delim('{') {
				return errors.New(`"tenant" must be an object: the fixture of a sandbox's --dump`)
			}
			if err := readFixtureMembers(dec, t, false); err != nil {
				return fmt.Errorf("tenant: %w", err)
			}
		default:
			return unknownFixtureKey(key)
		}
		if err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return syntaxError(dec, err)
	}
	if outer && seen["stats"] && !seen["tenant"] {
		return errors.New(`a sandbox's --dump without "tenant": no tenant to read`)
	}
	return nil
}

func unknownFixtureKey(key string) error {
	return fmt.Errorf(`unknown key %q: a fixture has "connections", "users", "roles" and "organizations"`, key)
}

// readObjects reads an array (or null) of objects of type T, handing each
// to add; an element that does not decode is an error saying it wants an
// object with fields.
func readObjects[T any](dec *json.Decoder, key, fields string, add func(*T)) error {
	return readArray(dec, key, func(i int, raw json.RawMessage) error {
		v := new(T)
		if raw[0] != '{' || json.Unmarshal(raw, v) != nil {
			return fmt.Errorf("%s[%d]: want an object with %s", key, i, fields)
		}
		add(v)
		return nil
	})
}

// readArray calls each for every element of the array (or null) that comes next.
func readArray(dec *json.Decoder, key string, each func(int, json.RawMessage) error) error {
	tok, err := dec.Token()
	if err != nil {
		return syntaxError(dec, err)
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("%q must be an array", key)
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s[%d]: %w", key, i, syntaxError(dec, err))
		}
		if err := each(i, raw); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return syntaxError(dec, err)
}

func syntaxError(dec *json.Decoder, err error) error {
	if err == nil || readError(err) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("invalid JSON near byte %d: %w", dec.InputOffset(), err)
}

// readError reports whether err, from a json.Decoder, is the reader's
// failure (read /tmp: is a directory) rather than what the bytes say.
func readError(err error) bool {
	var syntax *json.SyntaxError
	return err != nil && err != io.EOF && err != io.ErrUnexpectedEOF && !errors.As(err, &syntax)
}

// WriteFixture writes t in the fixture format, one connection or user per line.
func WriteFixture(w io.Writer, t *Tenant) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	bw.WriteString(`{"connections": [`)
	for i, c := range t.Connections {
		buf.Reset()
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("connections[%d] (%s): %w", i, c.Name, err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	bw.WriteString("\n],\n\"users\": [")
	var b []byte
	for i, u := range t.Users {
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = u.appendFixtureJSON(append(b, '\n'))
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString("\n]")
	for _, list := range [...]struct {
		key   string
		items []any
	}{{"roles", anySlice(t.Roles)}, {"organizations", anySlice(t.Organizations)}} {
		if len(list.items) == 0 {
			continue
		}
		bw.WriteString(",\n\"" + list.key + "\": [")
		for i, item := range list.items {
			buf.Reset()
			if err := enc.Encode(item); err != nil {
				return fmt.Errorf("%s[%d]: %w", list.key, i, err)
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteByte('\n')
			bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		}
		bw.WriteString("\n]")
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func anySlice[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// ConnectionIDFor is the id a connection named name gets when a fixture
// gives none: "con_" and 16 letters and digits, always the same for a name.
func ConnectionIDFor(name string) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte("linkdesk connection\x00" + name))
	id := []byte("con_")
	for _, b := range sum[:16] {
		id = append(id, alnum[int(b)%len(alnum)])
	}
	return string(id)
}

// ---- connections ----

func decodeConnection(raw json.RawMessage) (*Connection, error) {
	if raw[0] != '{' {
		return nil, fmt.Errorf("want an object, got %s", jsonType(raw))
	}
	var f map[string]json.RawMessage
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, err
	}
	c := &Connection{}
	for _, s := range [...]struct {
		k   string
		dst *string
	}{{"id", &c.ID}, {"name", &c.Name}, {"display_name", &c.DisplayName}, {"strategy", &c.Strategy}} {
		if v, ok := f[s.k]; ok && !isJSONNull(v) && (v[0] != '"' || json.Unmarshal(v, s.dst) != nil) {
			return nil, fmt.Errorf("%s must be a string, got %s", s.k, jsonType(v))
		}
	}
	for _, s := range [...]struct {
		k   string
		dst *[]string
	}{{"enabled_clients", &c.EnabledClients}, {"realms", &c.Realms}} {
		if v, ok := f[s.k]; ok && !isJSONNull(v) && (v[0] != '[' || json.Unmarshal(v, s.dst) != nil) {
			return nil, fmt.Errorf("%s must be an array of strings", s.k)
		}
	}
	if v, ok := f["is_domain_connection"]; ok && !isJSONNull(v) && json.Unmarshal(v, &c.IsDomainConnection) != nil {
		return nil, fmt.Errorf("is_domain_connection must be true or false, got %s", jsonType(v))
	}
	if v, ok := f["options"]; ok && !isJSONNull(v) {
		if v[0] != '{' {
			return nil, fmt.Errorf("options must be an object, got %s", jsonType(v))
		}
		opts, err := DecodeOptions(v)
		if err != nil {
			return nil, fmt.Errorf("options: %w", err)
		}
		c.Options = opts
	}
	if v, ok := f["show_as_button"]; ok && !isJSONNull(v) {
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return nil, fmt.Errorf("show_as_button must be true or false, got %s", jsonType(v))
		}
		c.ShowAsButton = &b
	}
	if v, ok := f["provisioning_ticket_url"]; ok && !isJSONNull(v) && (v[0] != '"' || json.Unmarshal(v, &c.ProvisioningTicketURL) != nil) {
		return nil, fmt.Errorf("provisioning_ticket_url must be a string, got %s", jsonType(v))
	}
	for _, s := range [...]struct {
		k   string
		dst *json.RawMessage
	}{{"authentication", &c.Authentication}, {"connected_accounts", &c.ConnectedAccounts}} {
		if v, ok := f[s.k]; ok && !isJSONNull(v) {
			*s.dst = rawjson.Compact(v)
		}
	}
	for k, v := range f {
		switch k {
		case "id", "name", "display_name", "strategy", "enabled_clients", "realms", "is_domain_connection", "options",
			"show_as_button", "provisioning_ticket_url", "authentication", "connected_accounts":
		default:
			if c.Extra == nil {
				c.Extra = map[string]json.RawMessage{}
			}
			c.Extra[k] = rawjson.Compact(v)
		}
	}
	return c, nil
}

// DecodeOptions reads connection options keeping numbers as written.
func DecodeOptions(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// nameLabel is " (name)" for an element with a string name, for messages.
func nameLabel(raw json.RawMessage) string {
	var v struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &v) != nil || v.Name == "" {
		return ""
	}
	return " (" + v.Name + ")"
}

func isJSONNull(v json.RawMessage) bool { return string(v) == "null" }

// ---- checks ----

// socialStrategies are the providers whose identities have isSocial true.
var socialStrategies = map[string]bool{
	"google-oauth2": true, "github": true, "facebook": true, "twitter": true, "apple": true,
	"linkedin": true, "windowslive": true, "amazon": true, "bitbucket": true, "dropbox": true,
	"instagram": true, "line": true, "paypal": true, "salesforce": true, "shopify": true,
	"soundcloud": true, "yahoo": true, "yandex": true, "box": true, "baidu": true, "oauth2": true,
}

// problems collects a fixture's errors, so that one run names them all.
type problems struct {
	list []string
	more int
}

const maxProblems = 20

func (p *problems) add(format string, args ...any) {
	if len(p.list) == maxProblems {
		p.more++
		return
	}
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) err() error {
	switch {
	case len(p.list) == 0:
		return nil
	case len(p.list) == 1:
		return errors.New(p.list[0])
	}
	msg := fmt.Sprintf("%d problems:\n  %s", len(p.list)+p.more, strings.Join(p.list, "\n  "))
	if p.more > 0 {
		msg += fmt.Sprintf("\n  and %d more", p.more)
	}
	return errors.New(msg)
}

// indexIDs maps the id of each of a fixture's roles or organizations (key)
// to its index, noting in p an item without id or name and a second item
// with an id.
func indexIDs[T any](p *problems, key string, items []*T, idName func(*T) (id, name string)) map[string]int {
	at := map[string]int{}
	for i, it := range items {
		id, name := idName(it)
		if id == "" || name == "" {
			p.add("%s[%d]: id and name are required", key, i)
		} else if j, dup := at[id]; dup {
			p.add("%s[%d] (%s): duplicate id, first at %s[%d]", key, i, id, key, j)
		} else {
			at[id] = i
		}
	}
	return at
}

// checkTenant checks what the emulator relies on and gives connections
// without id their ConnectionIDFor.
func checkTenant(t *Tenant) error {
	var p problems
	byName := make(map[string]*Connection, len(t.Connections))
	byStrategy := map[string][]*Connection{}
	nameAt, idAt := map[string]int{}, map[string]int{}
	for i, c := range t.Connections {
		switch {
		case c.Name == "":
			p.add("connections[%d]: name is missing", i)
			continue
		case c.Strategy == "":
			p.add("connections[%d] (%s): strategy is missing", i, c.Name)
			continue
		}
		if j, dup := nameAt[c.Name]; dup {
			p.add("connections[%d] (%s): duplicate name, first at connections[%d]", i, c.Name, j)
			continue
		}
		nameAt[c.Name] = i
		if c.ID == "" {
			c.ID = ConnectionIDFor(c.Name)
		}
		if j, dup := idAt[c.ID]; dup {
			p.add("connections[%d] (%s): id %q is also the id of connections[%d]", i, c.Name, c.ID, j)
			continue
		}
		idAt[c.ID] = i
		byName[c.Name] = c
		byStrategy[c.Strategy] = append(byStrategy[c.Strategy], c)
	}

	roleAt := indexIDs(&p, "roles", t.Roles, func(r *Role) (string, string) { return r.ID, r.Name })
	orgAt := indexIDs(&p, "organizations", t.Organizations, func(o *Organization) (string, string) { return o.ID, o.Name })

	userAt := make(map[string]int, len(t.Users))
	identityAt := make(map[string]int, len(t.Users))
	for i, u := range t.Users {
		label := fmt.Sprintf("users[%d]", i)
		if u.UserID != "" {
			label += " (" + u.UserID + ")"
		}
		if v, ok := u.Extra["user_id"]; ok {
			p.add("%s: user_id must be a string, got %s", label, jsonType(v))
			continue
		}
		provider, rest, ok := strings.Cut(u.UserID, "|")
		switch {
		case u.UserID == "":
			p.add("%s: user_id is missing", label)
			continue
		case !ok || provider == "" || rest == "":
			p.add("%s: user_id must look like provider|id", label)
			continue
		}
		if j, dup := userAt[u.UserID]; dup {
			p.add("%s: duplicate user_id, first at users[%d]", label, j)
			continue
		}
		userAt[u.UserID] = i
		for _, id := range u.Roles {
			if _, ok := roleAt[id]; !ok {
				p.add("%s: role %q is not a role of the fixture", label, id)
			}
		}
		for _, id := range u.Organizations {
			if _, ok := orgAt[id]; !ok {
				p.add("%s: organization %q is not an organization of the fixture", label, id)
			}
		}
		if v, ok := u.Extra["identities"]; ok {
			p.add("%s: %s", label, identitiesProblem(v))
			continue
		}
		if len(u.Identities) == 0 {
			id, err := inferIdentity(provider, rest, byStrategy)
			if err != nil {
				p.add("%s: no identities, and %v", label, err)
				continue
			}
			u.Identities = []Identity{id}
		}
		for k := range u.Identities {
			id := &u.Identities[k]
			c := byName[id.Connection]
			switch {
			case id.Connection == "":
				p.add("%s: identities[%d].connection is missing", label, k)
				continue
			case c == nil:
				p.add("%s: identities[%d].connection %q is not a connection of the fixture", label, k, id.Connection)
				continue
			case id.Provider != c.Strategy:
				p.add("%s: identities[%d].provider %q does not match strategy %q of connection %q", label, k, id.Provider, c.Strategy, c.Name)
				continue
			case id.UserID.Value == "":
				p.add("%s: identities[%d].user_id is missing", label, k)
				continue
			}
			key := id.Provider + "|" + id.UserID.Value
			if k == 0 && key != u.UserID {
				p.add("%s: identities[0] is %s; a user's first identity must be the user_id itself", label, key)
			}
			if j, dup := identityAt[key]; dup {
				p.add("%s: identities[%d] (%s) is also an identity of users[%d] (%s)", label, k, key, j, t.Users[j].UserID)
				continue
			}
			identityAt[key] = i
		}
	}
	return p.err()
}

// identitiesProblem says which element of a mistyped identities[] is wrong.
func identitiesProblem(v json.RawMessage) string {
	var elems []json.RawMessage
	if json.Unmarshal(v, &elems) != nil {
		return "identities must be an array, got " + jsonType(v)
	}
	for k, e := range elems {
		var id Identity
		if err := json.Unmarshal(e, &id); err != nil {
			return fmt.Sprintf("identities[%d]: %v", k, err)
		}
	}
	return "identities cannot be read"
}

// inferIdentity makes the identity a user_id implies: provider|id on the one
// connection of that strategy, or provider|connection|id for enterprise ids.
func inferIdentity(provider, rest string, byStrategy map[string][]*Connection) (Identity, error) {
	cands := byStrategy[provider]
	var c *Connection
	if name, _, ok := strings.Cut(rest, "|"); ok {
		for _, x := range cands {
			if x.Name == name {
				c = x
			}
		}
	}
	if c == nil {
		switch len(cands) {
		case 0:
			return Identity{}, fmt.Errorf("no connection has strategy %q to infer one from", provider)
		case 1:
			c = cands[0]
		default:
			names := make([]string, len(cands))
			for i, x := range cands {
				names[i] = x.Name
			}
			return Identity{}, fmt.Errorf("the connection cannot be inferred: %d connections have strategy %q (%s)",
				len(cands), provider, strings.Join(names, ", "))
		}
	}
	id := Identity{Connection: c.Name, Provider: provider, UserID: IdentityID{Value: rest}, IsSocial: socialStrategies[provider]}
	// GitHub identities carry their id as a JSON number.
	id.UserID.Numeric = provider == "github" && strings.Trim(rest, "0123456789") == "" && rest[0] != '0'
	return id, nil
}
