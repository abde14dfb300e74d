package views

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/linkdesk/linkdesk/linking"
	"github.com/linkdesk/linkdesk/termsafe"
)

// diffKind says how a metadata key changes in a link's merge preview.
type diffKind int

const (
	diffSame     diffKind = iota // the primary keeps it as it is
	diffAdded                    // the primary gains it from the secondary
	diffChanged                  // merged (nested keys, union of arrays)
	diffConflict                 // both set it differently: one side is kept
)

// diffLine is one key of the preview.
type diffLine struct {
	kind     diffKind
	path     string // "user_metadata.preferences.theme"
	before   string // JSON text, display-safe
	after    string
	conflict *linking.MetadataConflict
}

// metadataDiff lays the primary's metadata before the merge beside the
// merged result linking computed, key by key (nested objects flattened to
// dotted paths), with linking's conflicts in place of the keys they cover.
// It only presents linking's merge; it decides nothing.
func metadataDiff(field string, before, after map[string]any, conflicts []linking.MetadataConflict) []diffLine {
	var out []diffLine
	var covered []string
	for i := range conflicts {
		c := &conflicts[i]
		if c.Field != field {
			continue
		}
		path := c.Key()
		covered = append(covered, path)
		out = append(out, diffLine{kind: diffConflict, path: path, before: jsonText(c.Primary), after: jsonText(c.Secondary), conflict: c})
	}
	b, a := map[string]any{}, map[string]any{}
	flatten(field, before, b)
	flatten(field, after, a)
	keys := slices.Sorted(maps.Keys(a))
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[k]; !ok {
			keys = append(keys, k) // not expected from a merge, but shown if it happens
		}
	}
	for _, k := range keys {
		if isCovered(k, covered) {
			continue
		}
		bv, had := b[k]
		av, has := a[k]
		l := diffLine{path: k, before: jsonText(bv), after: jsonText(av)}
		switch {
		case !had:
			l.kind = diffAdded
		case !has || l.before != l.after:
			l.kind = diffChanged
		}
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(x, y diffLine) int { return strings.Compare(x.path, y.path) })
	return out
}

func isCovered(path string, covered []string) bool {
	for _, c := range covered {
		if path == c || strings.HasPrefix(path, c+".") {
			return true
		}
	}
	return false
}

// flatten writes the leaves of an object under dotted paths, joined as
// linking joins the paths of its conflicts (a "." inside a key escaped), so
// that a conflict covers its own keys alone and two keys never share a
// line; an empty object is a leaf of its own.
func flatten(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		p := linking.JoinMetadataPath(prefix, k)
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			flatten(p, sub, out)
			continue
		}
		out[p] = v
	}
}

// jsonText is a value as compact JSON that a terminal cannot act on.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	return termsafe.DisplayJSON([]byte(strings.TrimSuffix(b.String(), "\n")))
}
