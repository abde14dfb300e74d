package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// Roles and organizations: the tenant's lists (GET /api/v2/roles,
// GET /api/v2/organizations) and a user's memberships. A membership lives
// in the user (User.Roles, User.Organizations), so a user that is deleted
// or linked away takes its memberships with it.

// appendList writes a list answer: a bare array, or with include_totals
// {key: [...], start, limit, total} as Auth0 answers roles and
// organizations.
func appendList(key string, items [][]byte, pg paging) []byte {
	start := min(pg.page*pg.perPage, len(items))
	page := items[start:min(start+pg.perPage, len(items))]
	list := []byte{'['}
	for i, it := range page {
		if i > 0 {
			list = append(list, ',')
		}
		list = append(list, it...)
	}
	list = append(list, ']')
	if !pg.totals {
		return list
	}
	b := append(append(append([]byte(`{"`), key...), `":`...), list...)
	b = strconv.AppendInt(append(b, `,"start":`...), int64(start), 10)
	b = strconv.AppendInt(append(b, `,"limit":`...), int64(pg.perPage), 10)
	b = strconv.AppendInt(append(b, `,"total":`...), int64(len(items)), 10)
	return append(b, '}')
}

func marshalAll[T any](items []T) [][]byte {
	out := make([][]byte, len(items))
	for i, it := range items {
		out[i], _ = json.Marshal(it)
	}
	return out
}

// marshalKnown marshals the items of ids that byID holds, in the order of
// ids: a membership naming a role or organization the tenant no longer has
// is passed over.
func marshalKnown[T any](ids []string, byID map[string]*T) [][]byte {
	var items []*T
	for _, id := range ids {
		if it := byID[id]; it != nil {
			items = append(items, it)
		}
	}
	return marshalAll(items)
}

// handleListRoles is GET /api/v2/roles (name_filter: the names containing
// it, case-insensitively).
func (s *Server) handleListRoles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, err := parsePaging(q, 50, 100)
	if err != nil {
		writeError(w, err)
		return
	}
	filter := strings.ToLower(q.Get("name_filter"))
	s.st.mu.RLock()
	var roles []*Role
	for _, role := range s.st.roles {
		if strings.Contains(strings.ToLower(role.Name), filter) {
			roles = append(roles, role)
		}
	}
	s.st.mu.RUnlock()
	writeJSON(w, http.StatusOK, appendList("roles", marshalAll(roles), pg))
}

// handleUserRoles is GET /api/v2/users/{id}/roles.
func (s *Server) handleUserRoles(w http.ResponseWriter, r *http.Request) {
	s.writeMemberships(w, r, "roles", func(u *User) [][]byte { return marshalKnown(u.Roles, s.st.roleByID) })
}

// writeMemberships answers a user's roles or organizations, as list reads
// them from the user with the store read-locked.
func (s *Server) writeMemberships(w http.ResponseWriter, r *http.Request, key string, list func(u *User) [][]byte) {
	pg, err := parsePaging(r.URL.Query(), 50, 100)
	if err != nil {
		writeError(w, err)
		return
	}
	s.st.mu.RLock()
	u := s.st.users.get(r.PathValue("id"))
	var items [][]byte
	if u != nil {
		items = list(u)
	}
	s.st.mu.RUnlock()
	if u == nil {
		writeError(w, errUserNotFound)
		return
	}
	writeJSON(w, http.StatusOK, appendList(key, items, pg))
}

// idList reads the list of ids a membership write sends: {key: [ids]}.
func idList(w http.ResponseWriter, r *http.Request, key string) ([]string, error) {
	body, err := readObject(w, r)
	if err != nil {
		return nil, err
	}
	if err := payload(body).only(key); err != nil {
		return nil, err
	}
	var ids []string
	raw, ok := body[key]
	if !ok {
		return nil, invalidBody("'Missing required property: %s'.", key)
	}
	if json.Unmarshal(raw, &ids) != nil || raw[0] != '[' {
		return nil, wrongType(key, "array", raw)
	}
	if len(ids) == 0 {
		return nil, invalidBody("'Array is too short (0), minimum 1' on property %s.", key)
	}
	return ids, nil
}

// changeRoles adds (or removes) roles of a user.
func (s *Server) changeRoles(w http.ResponseWriter, r *http.Request, add bool) {
	ids, err := idList(w, r, "roles")
	if err != nil {
		writeError(w, err)
		return
	}
	now := s.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	old := s.st.users.get(r.PathValue("id"))
	if old == nil {
		writeError(w, errUserNotFound)
		return
	}
	for _, id := range ids {
		if s.st.roleByID[id] == nil {
			writeError(w, errNoRole)
			return
		}
	}
	roles := old.Roles
	for _, id := range ids {
		roles, _ = withMember(roles, id, add)
	}
	if !slices.Equal(roles, old.Roles) {
		u := *old // copy on write
		u.Roles = roles
		s.st.putLocked(&u, now)
		s.countEffect(map[bool]string{true: RouteAssignRoles, false: RouteRemoveRoles}[add])
	}
	writeNoContent(w)
}

func (s *Server) handleAssignRoles(w http.ResponseWriter, r *http.Request) { s.changeRoles(w, r, true) }
func (s *Server) handleRemoveRoles(w http.ResponseWriter, r *http.Request) {
	s.changeRoles(w, r, false)
}

// handleListOrganizations is GET /api/v2/organizations: offset paging, or
// checkpoint paging (from, take) answering {organizations, next}.
func (s *Server) handleListOrganizations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.st.mu.RLock()
	orgs := slices.Clone(s.st.orgs)
	s.st.mu.RUnlock()
	if q.Has("from") || q.Has("take") {
		start, end, next, err := checkpointPage(q, len(orgs), func(i int) string { return orgs[i].ID })
		if err != nil {
			writeError(w, err)
			return
		}
		b := append([]byte(`{"organizations":`), appendList("", marshalAll(orgs[start:end]), paging{perPage: end - start})...)
		if next != "" {
			b = rawjson.AppendString(append(b, `,"next":`...), next)
		}
		writeJSON(w, http.StatusOK, append(b, '}'))
		return
	}
	pg, err := parsePaging(q, 50, 100)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, appendList("organizations", marshalAll(orgs), pg))
}

// handleUserOrganizations is GET /api/v2/users/{id}/organizations.
func (s *Server) handleUserOrganizations(w http.ResponseWriter, r *http.Request) {
	s.writeMemberships(w, r, "organizations", func(u *User) [][]byte { return marshalKnown(u.Organizations, s.st.orgByID) })
}

// changeMembers adds (or removes) users as members of an organization.
func (s *Server) changeMembers(w http.ResponseWriter, r *http.Request, add bool) {
	ids, err := idList(w, r, "members")
	if err != nil {
		writeError(w, err)
		return
	}
	now := s.now()
	orgID := r.PathValue("id")
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if s.st.orgByID[orgID] == nil {
		writeError(w, errNoOrganization)
		return
	}
	users := make([]*User, len(ids))
	for i, id := range ids {
		if users[i] = s.st.users.get(id); users[i] == nil {
			writeError(w, badRequest("invalid_body", "The user %s does not exist.", id))
			return
		}
	}
	changed := false
	for _, old := range users {
		orgs, ok := withMember(old.Organizations, orgID, add)
		if !ok {
			continue // already as asked
		}
		u := *old // copy on write
		u.Organizations = orgs
		s.st.putLocked(&u, now)
		changed = true
	}
	if changed {
		s.countEffect(map[bool]string{true: RouteAddMembers, false: RouteRemoveMembers}[add])
	}
	writeNoContent(w)
}

// withMember returns ids with id added (or removed) and whether that changed
// them. ids itself is never written: it belongs to a stored user, which is
// copied on write.
func withMember(ids []string, id string, add bool) ([]string, bool) {
	i := slices.Index(ids, id)
	switch {
	case add && i < 0:
		return append(slices.Clip(ids), id), true
	case !add && i >= 0:
		return slices.Delete(slices.Clone(ids), i, i+1), true
	}
	return ids, false
}

func (s *Server) handleAddMembers(w http.ResponseWriter, r *http.Request) {
	s.changeMembers(w, r, true)
}
func (s *Server) handleRemoveMembers(w http.ResponseWriter, r *http.Request) {
	s.changeMembers(w, r, false)
}
