package rawjson

import (
	"encoding/json"
	"testing"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"plain", "quote\"back\\slash", "\x1b[31mred\x07", "bad\xffutf8", "line\u2028sep", "emoji 🙂", "\u202eevil"} {
		want, _ := json.Marshal(s)
		// encoding/json escapes <, >, & by default; none of these inputs has them.
		if got := string(AppendString(nil, s)); got != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}
