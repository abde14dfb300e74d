package linking

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
)

// TestSortGroupsLarge checks the two-halves sort against a plain one.
func TestSortGroupsLarge(t *testing.T) {
	var groups []*Group
	rng := uint64(7)
	for i := range 3 * parallelSortMin {
		rng = rng*6364136223846793005 + 1442695040888963407
		g := &Group{Email: fmt.Sprintf("%0*d.%d@x.com", 1+int(rng>>50)%10, rng%1000, i), Class: Classes[int(rng>>33)%len(Classes)]}
		g.Accounts = make([]*Account, 2+int(rng>>40)%3)
		groups = append(groups, g)
	}
	want := slices.Clone(groups)
	slices.SortFunc(want, func(a, b *Group) int {
		return cmp.Or(cmp.Compare(a.Class.rank(), b.Class.rank()), cmp.Compare(len(b.Accounts), len(a.Accounts)), cmp.Compare(a.Email, b.Email))
	})
	SortGroups(groups)
	if !slices.Equal(groups, want) {
		t.Fatal("SortGroups differs from a plain sort")
	}
}
