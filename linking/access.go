package linking

import (
	"context"
	"fmt"
	"slices"

	"github.com/linkdesk/linkdesk/client"
)

// Access is what a user holds besides its profile: its roles and its
// organization memberships. A link ends the secondary's, so a link plan
// carries them over to the primary first; a backup keeps them, so that an
// undo gives them back.
type Access struct {
	Roles         []client.Role         `json:"roles"`
	Organizations []client.Organization `json:"organizations"`
}

// State is the ids of a's roles and organizations, sorted, as a plan
// checks them.
func (a Access) State() *AccessState {
	s := &AccessState{Roles: roleIDs(a.Roles), Organizations: make([]string, len(a.Organizations))}
	for i, o := range a.Organizations {
		s.Organizations[i] = o.ID
	}
	slices.Sort(s.Roles)
	slices.Sort(s.Organizations)
	return s
}

// ReadAccess reads the roles and organization memberships of each user.
func ReadAccess(ctx context.Context, t client.Tenant, ids ...string) (map[string]Access, error) {
	out := make(map[string]Access, len(ids))
	for _, id := range ids {
		a, err := readAccess(ctx, t, id)
		if err != nil {
			return nil, err
		}
		out[id] = a
	}
	return out, nil
}

func readAccess(ctx context.Context, t client.Tenant, id string) (Access, error) {
	roles, err := t.UserRoles(ctx, id)
	if client.IsNotFound(err) {
		return Access{}, refuse(CheckUserMissing, []string{id}, "no account has the user id %s now", id)
	}
	if err != nil {
		return Access{}, fmt.Errorf("reading the roles of %s: %w", id, err)
	}
	orgs, err := t.UserOrganizations(ctx, id)
	if client.IsNotFound(err) {
		return Access{}, refuse(CheckUserMissing, []string{id}, "no account has the user id %s now", id)
	}
	if err != nil {
		return Access{}, fmt.Errorf("reading the organizations of %s: %w", id, err)
	}
	if roles == nil {
		roles = []client.Role{}
	}
	if orgs == nil {
		orgs = []client.Organization{}
	}
	return Access{Roles: roles, Organizations: orgs}, nil
}

// carried is what of sec the primary lacks (nil: nothing known of it):
// the roles and memberships a link gives the primary.
func carried(sec Access, primary *AccessState) ([]client.Role, []client.Organization) {
	if primary == nil {
		primary = &AccessState{}
	}
	var roles []client.Role
	for _, r := range sec.Roles {
		if !slices.Contains(primary.Roles, r.ID) {
			roles = append(roles, r)
		}
	}
	var orgs []client.Organization
	for _, o := range sec.Organizations {
		if !slices.Contains(primary.Organizations, o.ID) {
			orgs = append(orgs, o)
		}
	}
	return roles, orgs
}

// MaxMetadataDepth is how deep linkdesk merges, compares and restores
// metadata: an object in user_metadata is one level, an object inside it
// two. Real profiles stay within a few levels; a user whose metadata goes
// deeper is refused (CheckMetadataTooDeep) before any write, so that no
// plan, backup or audit record grows with the square of its depth.
const MaxMetadataDepth = 32

// CheckMetadataDepth refuses a user whose user_metadata or app_metadata is
// nested deeper than MaxMetadataDepth.
func CheckMetadataDepth(u client.User) error {
	if d := metadataDepth(u.Raw); d > MaxMetadataDepth {
		return refuse(CheckMetadataTooDeep, []string{u.UserID},
			"the metadata of %s is nested %d levels deep; linkdesk merges and restores metadata up to %d levels: flatten it first, or link with --no-merge-metadata (the backup keeps it as it is)",
			u.UserID, d, MaxMetadataDepth)
	}
	return nil
}

// metadataDepth is how deep the values of the top-level user_metadata and
// app_metadata keys of a user object nest, read in one pass over the bytes
// (no decoding, so any depth is measured).
func metadataDepth(raw []byte) int {
	var (
		depth, deepest int
		inString, esc  bool
		expectKey      bool
		keyStart       = -1
		key, current   string
	)
	for i, c := range raw {
		if inString {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inString = false
				if keyStart >= 0 {
					key, keyStart = string(raw[keyStart:i]), -1
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			if depth == 1 && expectKey {
				keyStart, expectKey = i+1, false
			}
		case '{', '[':
			depth++
			if depth == 1 {
				expectKey = true
			} else if current == FieldUserMetadata || current == FieldAppMetadata {
				deepest = max(deepest, depth-1)
			}
		case '}', ']':
			depth--
		case ':':
			if depth == 1 {
				current = key
			}
		case ',':
			if depth == 1 {
				expectKey, current = true, ""
			}
		}
	}
	return deepest
}
