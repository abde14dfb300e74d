package report

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/linkdesk/linkdesk/linking"
)

// gainsNamed is how many roles (or memberships) Gains names before it
// counts the rest.
const gainsNamed = 3

// Gains says what the links of ops give their primary besides the
// metadata: the roles and organization memberships carried over from the
// secondaries (each once), by name, counted when there are more than
// gainsNamed ("role support and membership of Globex", "5 roles: a, b, c
// and 2 more"). "" when they carry none. The words are the tenant's:
// the caller makes them printable.
func Gains(ops []linking.Operation) string {
	var roles, orgs []string
	seenRole, seenOrg := map[string]bool{}, map[string]bool{}
	for _, op := range ops {
		if op.Kind != linking.OpLink {
			continue
		}
		for _, r := range op.Roles {
			if !seenRole[r.ID] {
				seenRole[r.ID] = true
				roles = append(roles, cmp.Or(r.Name, r.ID))
			}
		}
		for _, o := range op.Organizations {
			if !seenOrg[o.ID] {
				seenOrg[o.ID] = true
				orgs = append(orgs, o.Label())
			}
		}
	}
	var parts []string
	if len(roles) > 0 {
		parts = append(parts, namedList(roles, "role ", "roles ", "roles"))
	}
	if len(orgs) > 0 {
		parts = append(parts, namedList(orgs, "membership of ", "memberships of ", "memberships"))
	}
	if len(roles) > 1 { // the roles' own "and" apart from the memberships'
		return strings.Join(parts, ", and ")
	}
	return strings.Join(parts, " and ")
}

// namedList names up to gainsNamed of names after one (a single name) or
// some (two or three), and counts them past that: "5 roles: a, b, c and 2
// more".
func namedList(names []string, one, some, counted string) string {
	switch n := len(names); {
	case n == 1:
		return one + names[0]
	case n <= gainsNamed:
		return some + strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	default:
		return fmt.Sprintf("%d %s: %s and %d more", n, counted, strings.Join(names[:gainsNamed], ", "), n-gainsNamed)
	}
}
