package linking

import (
	"encoding/json"
	"strings"
	"testing"
)

func mergeObj(t *testing.T, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	m := decodeObject(json.RawMessage(s))
	if m == nil {
		t.Fatalf("bad test object %s", s)
	}
	return m
}

func mergeText(t *testing.T, v any) string {
	t.Helper()
	b, err := canonicalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMergeMetadata(t *testing.T) {
	cases := []struct {
		name               string
		primary, secondary string
		take               []string
		merged             string
		conflicts          []string // key=kept
		patch              string   // "" for no patch
	}{
		{
			name:      "secondary empty: nothing to do",
			primary:   `{"plan":"pro"}`,
			secondary: ``,
			merged:    `{"plan":"pro"}`,
		},
		{
			name:      "primary empty: everything added",
			primary:   ``,
			secondary: `{"plan":"free","roles":["beta"]}`,
			merged:    `{"plan":"free","roles":["beta"]}`,
			patch:     `{"plan":"free","roles":["beta"]}`,
		},
		{
			name:      "scalar conflict: primary wins and the conflict is listed",
			primary:   `{"plan":"pro","since":2020}`,
			secondary: `{"plan":"free","since":2020,"newsletter":true}`,
			merged:    `{"newsletter":true,"plan":"pro","since":2020}`,
			conflicts: []string{"app_metadata.plan=primary"},
			patch:     `{"newsletter":true}`,
		},
		{
			name:      "secondary chosen for one conflict",
			primary:   `{"plan":"pro","tier":1}`,
			secondary: `{"plan":"free","tier":2}`,
			take:      []string{"app_metadata.tier"},
			merged:    `{"plan":"pro","tier":2}`,
			conflicts: []string{"app_metadata.plan=primary", "app_metadata.tier=secondary"},
			patch:     `{"tier":2}`,
		},
		{
			name:      "arrays unioned in stable order, deduplicated as JSON",
			primary:   `{"roles":["member",{"a":1,"b":2}],"tags":[1,2]}`,
			secondary: `{"roles":["beta","member",{"b":2,"a":1},"beta"],"tags":[2,1]}`,
			merged:    `{"roles":["member",{"a":1,"b":2},"beta"],"tags":[1,2]}`,
			patch:     `{"roles":["member",{"a":1,"b":2},"beta"]}`,
		},
		{
			name:      "nested objects merged recursively; the patch sends the whole top-level key",
			primary:   `{"preferences":{"theme":"dark","language":"en","notify":{"email":true}},"x":1}`,
			secondary: `{"preferences":{"theme":"light","font":"big","notify":{"sms":false,"email":true}}}`,
			merged:    `{"preferences":{"font":"big","language":"en","notify":{"email":true,"sms":false},"theme":"dark"},"x":1}`,
			conflicts: []string{"user_metadata.preferences.theme=primary"},
			patch:     `{"preferences":{"font":"big","language":"en","notify":{"email":true,"sms":false},"theme":"dark"}}`,
		},
		{
			name:      "type mismatch is a conflict",
			primary:   `{"address":"1 Main St","roles":"admin"}`,
			secondary: `{"address":{"street":"2 Side St"},"roles":["admin"]}`,
			merged:    `{"address":"1 Main St","roles":"admin"}`,
			conflicts: []string{"user_metadata.address=primary", "user_metadata.roles=primary"},
		},
		{
			name:      "secondary holds nothing new: no patch",
			primary:   `{"a":{"b":[1,2,3]},"c":"d"}`,
			secondary: `{"a":{"b":[3,1]}}`,
			merged:    `{"a":{"b":[1,2,3]},"c":"d"}`,
		},
		{
			name:      "a top-level null of the secondary is not copied (PATCH null removes)",
			primary:   `{"a":1}`,
			secondary: `{"gone":null,"n":{"inner":null}}`,
			merged:    `{"a":1,"n":{"inner":null}}`,
			patch:     `{"n":{"inner":null}}`,
		},
		{
			name:      "numbers beyond 2^53 keep their digits",
			primary:   `{"id":9007199254740993}`,
			secondary: `{"id":9007199254740993,"other":12345678901234567890}`,
			merged:    `{"id":9007199254740993,"other":12345678901234567890}`,
			patch:     `{"other":12345678901234567890}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			field := FieldAppMetadata
			if strings.Contains(tc.name, "nested") || strings.Contains(tc.name, "mismatch") {
				field = FieldUserMetadata
			}
			p, s := mergeObj(t, tc.primary), mergeObj(t, tc.secondary)
			pBefore := mergeText(t, p)
			merged, conflicts := MergeMetadata(field, p, s, MergeOptions{TakeSecondary: tc.take})
			if got := mergeText(t, merged); got != tc.merged {
				t.Errorf("merged\n got %s\nwant %s", got, tc.merged)
			}
			var got []string
			for _, c := range conflicts {
				got = append(got, c.Key()+"="+c.Kept)
				if jsonEqual(c.Primary, c.Secondary) {
					t.Errorf("conflict %s lists equal values", c.Key())
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.conflicts, ",") {
				t.Errorf("conflicts %v, want %v", got, tc.conflicts)
			}
			patch := MetadataPatch(p, merged)
			switch {
			case tc.patch == "" && patch != nil:
				t.Errorf("patch %s, want none", mergeText(t, patch))
			case tc.patch != "" && mergeText(t, patch) != tc.patch:
				t.Errorf("patch\n got %s\nwant %s", mergeText(t, patch), tc.patch)
			}
			if mergeText(t, p) != pBefore {
				t.Error("MergeMetadata changed its input")
			}
			// Auth0's one-level merge of the patch onto the primary gives the merged value.
			applied := cloneObject(p)
			if applied == nil {
				applied = map[string]any{}
			}
			for k, v := range patch {
				applied[k] = v
			}
			if mergeText(t, applied) != tc.merged {
				t.Errorf("one-level PATCH of %s onto the primary gives %s, not the merge", mergeText(t, patch), mergeText(t, applied))
			}
		})
	}
}

func TestPatchMetadataCallNeverSendsEmptyObject(t *testing.T) {
	if _, err := PatchMetadataCall("auth0|1", nil, map[string]any{}); err == nil {
		t.Fatal("a PATCH with {} for app_metadata was built: it would wipe the metadata")
	}
	c, err := PatchMetadataCall("auth0|1", map[string]any{}, map[string]any{"plan": "pro"})
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Body) != `{"app_metadata":{"plan":"pro"}}` || c.Path != "/api/v2/users/auth0%7C1" || c.Method != "PATCH" {
		t.Fatalf("call %s", c)
	}
}

// A key holding a "." and a nesting of the same names ({"a.b":…} and
// {"a":{"b":…}}) used to make one conflict key, "user_metadata.a.b": the
// side chosen for one was taken for the other. Each key now has a conflict
// key of its own (a "." or a backslash inside a key escaped), and a side
// chosen for one decides it alone; an ordinary key keeps its dotted form.
func TestConflictKeysOfDifferentKeysNeverCollide(t *testing.T) {
	p := mergeObj(t, `{"a.b":"p1","a":{"b":"p2"},"x\\":{"y":"p3"},"x\\.y":"p4","prefs":{"theme":"dark"}}`)
	s := mergeObj(t, `{"a.b":"s1","a":{"b":"s2"},"x\\":{"y":"s3"},"x\\.y":"s4","prefs":{"theme":"light"}}`)
	_, conflicts := MergeMetadata(FieldUserMetadata, p, s, MergeOptions{})
	var keys []string
	for _, c := range conflicts {
		keys = append(keys, c.Key())
	}
	want := []string{`user_metadata.a.b`, `user_metadata.a\.b`, `user_metadata.prefs.theme`, `user_metadata.x\\.y`, `user_metadata.x\\\.y`}
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Errorf("conflict keys %q, want %q", keys, want)
	}
	for _, take := range want {
		merged, conflicts := MergeMetadata(FieldUserMetadata, p, s, MergeOptions{TakeSecondary: []string{take}})
		var kept []string
		for _, c := range conflicts {
			if c.Kept == SideSecondary {
				kept = append(kept, c.Key())
			}
		}
		if len(kept) != 1 || kept[0] != take {
			t.Errorf("the secondary's side chosen for %s is taken for %q", take, kept)
		}
		var secondary []string // the values the merge took from the secondary
		for _, v := range []any{merged["a.b"], merged["a"].(map[string]any)["b"], merged["x\\"].(map[string]any)["y"], merged["x\\.y"], merged["prefs"].(map[string]any)["theme"]} {
			if s, _ := v.(string); s == "light" || strings.HasPrefix(s, "s") {
				secondary = append(secondary, s)
			}
		}
		if len(secondary) != 1 {
			t.Errorf("choosing the secondary's side for %s merged its values %q", take, secondary)
		}
	}
}
