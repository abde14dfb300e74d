package views

import (
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

// The merge preview lays a key holding a "." ({"a.b":…}) and a nesting of
// the same names ({"a":{"b":…}}) on lines of their own, by the paths
// linking gives its conflicts: a conflict on one covers it alone, and the
// other is still shown (before, both were flattened to one path, and the
// conflict hid the other key).
func TestTheMergePreviewKeepsADottedKeyApartFromANesting(t *testing.T) {
	before := map[string]any{"a.b": "p", "a": map[string]any{"b": "p"}}
	merged, conflicts := linking.MergeMetadata(linking.FieldUserMetadata, before, map[string]any{"a": map[string]any{"b": "s"}}, linking.MergeOptions{})
	if len(conflicts) != 1 {
		t.Fatalf("conflicts %+v", conflicts)
	}
	var got []string
	for _, l := range metadataDiff(linking.FieldUserMetadata, before, merged, conflicts) {
		got = append(got, l.path)
		if l.kind == diffConflict && l.path != "user_metadata.a.b" {
			t.Errorf("the conflict is on %s", l.path)
		}
	}
	if want := []string{`user_metadata.a.b`, `user_metadata.a\.b`}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("the preview's lines %q, want %q", got, want)
	}
}
