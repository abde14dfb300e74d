package linking

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/linkdesk/linkdesk/client"
)

// Metadata fields of a user, as the Management API names them.
const (
	FieldUserMetadata = "user_metadata"
	FieldAppMetadata  = "app_metadata"
)

// MetadataConflict is one key where the primary and the secondary hold
// different values that cannot both be kept. Its Path joins the keys with
// "." (JoinMetadataPath), a "." or a backslash inside a key escaped with a
// backslash, so that {"a.b":…} (`a\.b`) and {"a":{"b":…}} ("a.b") never
// share a path.
type MetadataConflict struct {
	Field     string `json:"field"` // FieldUserMetadata or FieldAppMetadata
	Path      string `json:"path"`  // dotted key path inside the field, e.g. "preferences.theme"
	Primary   any    `json:"primary"`
	Secondary any    `json:"secondary"`
	Kept      string `json:"kept"` // "primary" or "secondary"
}

// Key is the conflict's full path, e.g. "user_metadata.preferences.theme":
// what MergeOptions.TakeSecondary lists. Distinct keys have distinct paths
// (Path escapes the keys it joins), so a side chosen for one conflict never
// decides another's.
func (c MetadataConflict) Key() string { return c.Field + "." + c.Path }

// Sides of a conflict.
const (
	SidePrimary   = "primary"
	SideSecondary = "secondary"
)

// MergeOptions adjust a metadata merge.
type MergeOptions struct {
	// TakeSecondary lists conflict keys (MetadataConflict.Key) where the
	// secondary's value wins; everywhere else the primary's does.
	TakeSecondary []string
}

// MetadataMerge is the preview of merging a secondary's metadata into its
// primary before a link (which discards the secondary's metadata).
type MetadataMerge struct {
	UserMetadata map[string]any     `json:"user_metadata,omitempty"` // the primary's user_metadata once merged
	AppMetadata  map[string]any     `json:"app_metadata,omitempty"`  // the primary's app_metadata once merged
	Conflicts    []MetadataConflict `json:"conflicts,omitempty"`
}

// MergeMetadata merges the secondary's metadata into the primary's: keys only
// the secondary has are added, nested objects are merged key by key, arrays
// are unioned (the primary's elements first, then the secondary's that are
// not already there, equal meaning equal as JSON), and where both hold
// different values the primary's is kept unless opts says otherwise; every
// such key is listed as a conflict, in path order. The inputs are not changed.
func MergeMetadata(field string, primary, secondary map[string]any, opts MergeOptions) (map[string]any, []MetadataConflict) {
	m := merger{field: field, takeSecondary: opts.TakeSecondary}
	if len(secondary) == 0 {
		return cloneObject(primary), nil
	}
	merged := m.object("", primary, secondary)
	slices.SortFunc(m.conflicts, func(a, b MetadataConflict) int { return strings.Compare(a.Path, b.Path) })
	return merged, m.conflicts
}

type merger struct {
	field         string
	takeSecondary []string
	conflicts     []MetadataConflict
}

func (m *merger) object(prefix string, p, s map[string]any) map[string]any {
	out := cloneObject(p)
	if out == nil {
		out = map[string]any{}
	}
	for _, k := range slices.Sorted(maps.Keys(s)) {
		sv := s[k]
		pv, ok := p[k]
		if !ok {
			if sv != nil || prefix != "" { // a top-level null cannot be stored by PATCH: it removes
				out[k] = cloneValue(sv)
			}
			continue
		}
		out[k] = m.value(JoinMetadataPath(prefix, k), pv, sv)
	}
	return out
}

func (m *merger) value(path string, p, s any) any {
	if jsonEqual(p, s) {
		return cloneValue(p)
	}
	switch pv := p.(type) {
	case map[string]any:
		if sv, ok := s.(map[string]any); ok {
			return m.object(path, pv, sv)
		}
	case []any:
		if sv, ok := s.([]any); ok {
			return unionArrays(pv, sv)
		}
	}
	c := MetadataConflict{Field: m.field, Path: path, Primary: cloneValue(p), Secondary: cloneValue(s), Kept: SidePrimary}
	if slices.Contains(m.takeSecondary, c.Key()) {
		c.Kept = SideSecondary
	}
	m.conflicts = append(m.conflicts, c)
	if c.Kept == SideSecondary {
		return cloneValue(s)
	}
	return cloneValue(p)
}

// JoinMetadataPath appends the metadata key k to the path prefix ("" for
// none) with a ".": the paths of MetadataConflict.Path and
// MetadataConflict.Key, and of anything that compares itself with them.
// A "." or a backslash inside k is escaped with a backslash ("a.b" is
// `a\.b`, `a\b` is `a\\b`), so that two different keys or nestings never
// make the same path; a key holding neither is joined as it is.
func JoinMetadataPath(prefix, k string) string {
	if strings.ContainsAny(k, `.\`) {
		k = pathEscaper.Replace(k)
	}
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

var pathEscaper = strings.NewReplacer(`\`, `\\`, `.`, `\.`)

// unionArrays keeps p as it is and appends the elements of s that are not in
// it yet (nor appended already).
func unionArrays(p, s []any) []any {
	out := cloneValue(p).([]any)
	for _, v := range s {
		if !slices.ContainsFunc(out, func(have any) bool { return jsonEqual(have, v) }) {
			out = append(out, cloneValue(v))
		}
	}
	return out
}

// MetadataPatch is the body Auth0's one-level merge needs to turn current
// into merged: for every top-level key whose merged value differs, the whole
// merged value of that key; a key merged away is set to null (removed). nil
// when nothing differs, so an empty object, which would wipe the metadata,
// is never sent.
func MetadataPatch(current, merged map[string]any) map[string]any {
	var patch map[string]any
	set := func(k string, v any) {
		if patch == nil {
			patch = map[string]any{}
		}
		patch[k] = v
	}
	for k, v := range merged {
		if cv, ok := current[k]; !ok || !jsonEqual(cv, v) {
			set(k, cloneValue(v))
		}
	}
	for k := range current {
		if _, ok := merged[k]; !ok {
			set(k, nil)
		}
	}
	return patch
}

// jsonEqual reports whether a and b encode to the same JSON (objects compare
// whatever their key order; numbers by their text, so json.Number and
// float64 of one value agree when they print alike).
func jsonEqual(a, b any) bool {
	ea, errA := canonicalJSON(a)
	eb, errB := canonicalJSON(b)
	return errA == nil && errB == nil && bytes.Equal(ea, eb)
}

// canonicalJSON encodes v with sorted keys and no HTML escaping; numbers are
// normalised through their decimal text.
func canonicalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalizeNumbers(v)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// normalizeNumbers turns float64 values into json.Number with the shortest
// text, so that 1 decoded as float64 and as json.Number compare equal.
func normalizeNumbers(v any) any { return copyJSON(v, normalizeNumber) }

func normalizeNumber(v any) any {
	switch v := v.(type) {
	case float64:
		b, err := json.Marshal(v)
		if err != nil {
			return v
		}
		return json.Number(b)
	case json.Number:
		if !strings.ContainsAny(string(v), ".eE") {
			return v // an integer's text is exact; float64 prints small ones alike
		}
		if f, err := v.Float64(); err == nil {
			return normalizeNumber(f)
		}
	}
	return v
}

func cloneObject(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return cloneValue(m).(map[string]any)
}

func cloneValue(v any) any { return copyJSON(v, func(x any) any { return x }) }

// copyJSON copies a decoded JSON value: new objects and arrays all the way
// down, each other value (a string, a number, a bool, nil) as leaf makes it.
func copyJSON(v any, leaf func(any) any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = copyJSON(x, leaf)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyJSON(x, leaf)
		}
		return out
	}
	return leaf(v)
}

// UserMetadata returns the user's user_metadata and app_metadata decoded from
// the object exactly as the tenant sent it, numbers kept as json.Number so
// that ids beyond 2^53 survive a merge unchanged.
func UserMetadata(u client.User) (userMeta, appMeta map[string]any) {
	if len(u.Raw) == 0 {
		return cloneObject(u.UserMetadata), cloneObject(u.AppMetadata)
	}
	var f struct {
		User json.RawMessage `json:"user_metadata"`
		App  json.RawMessage `json:"app_metadata"`
	}
	if json.Unmarshal(u.Raw, &f) != nil {
		return cloneObject(u.UserMetadata), cloneObject(u.AppMetadata)
	}
	return decodeObject(f.User), decodeObject(f.App)
}

// decodeObject decodes a JSON object with json.Number numbers; nil for
// anything that is not an object.
func decodeObject(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}
