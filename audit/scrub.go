package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Redacted replaces every secret this package finds.
const Redacted = "[redacted]"

// secrets holds every value registered with RegisterSecret, longest first so
// that a secret containing another is replaced whole.
var secrets struct {
	mu   sync.RWMutex
	list []string
}

// MinSecretLen is the shortest value RegisterSecret scrubs. A shorter one
// cannot be told from ordinary text: a one-letter secret would be cut out of
// every word of every record and backup, which then restore nothing. Auth0's
// client secrets are 64 characters, its tokens longer.
const MinSecretLen = 12

// RegisterSecret makes every file this package writes from now on (audit log,
// backups, journals) show s as [redacted] wherever it occurs, and makes Scrub
// do the same. Register the client secret, the API token and each access token
// as soon as it is known. Strings shorter than MinSecretLen are ignored.
func RegisterSecret(s string) {
	if len(s) < MinSecretLen {
		return
	}
	secrets.mu.Lock()
	defer secrets.mu.Unlock()
	for _, have := range secrets.list {
		if have == s {
			return
		}
	}
	secrets.list = append(secrets.list, s)
	sort.SliceStable(secrets.list, func(i, j int) bool { return len(secrets.list[i]) > len(secrets.list[j]) })
}

var (
	// An Authorization header value (RFC 6750 b64token; Basic only when it
	// looks like encoded credentials, so prose like "basic check" survives).
	authValueRE = regexp.MustCompile(`(?i)\b(?:bearer\s+[A-Za-z0-9\-._~+/]+=*|basic\s+[A-Za-z0-9+/]{16,}=*)`)
	// A JWT (Auth0 access and ID tokens): header and payload both start "{".
	jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
)

// Scrub returns s with every registered secret, every bearer or basic
// credential and every JWT replaced by [redacted]. Use it for anything bound
// for the operator's screen or stderr that might quote a request or a token.
func Scrub(s string) string {
	s = scrubSecrets(s)
	if strings.Contains(s, "eyJ") {
		s = jwtRE.ReplaceAllString(s, Redacted)
	}
	return authValueRE.ReplaceAllStringFunc(s, func(m string) string {
		scheme := m[:strings.IndexFunc(m, unicode.IsSpace)]
		return scheme + " " + Redacted
	})
}

// scrubSecrets returns s with every registered secret replaced by
// [redacted], and nothing else changed: what a backup applies to the
// tenant's data it keeps, which the patterns of Scrub would alter ("the
// bearer of…", "Basic Membership…" in a profile or its metadata).
func scrubSecrets(s string) string {
	secrets.mu.RLock()
	defer secrets.mu.RUnlock()
	for _, secret := range secrets.list {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	return s
}

func scrubAll(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Scrub(s)
	}
	return out
}

// sensitiveKey reports whether a JSON key names a credential, whatever its
// case or separators: access_token, client_secret, Authorization, password,
// refresh_token, id_token, x-api-key, set-cookie, ticket (a password-change
// ticket URL lets its holder set the password)...
func sensitiveKey(k string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(k) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	n := b.String()
	for _, suffix := range []string{"token", "secret", "password", "passwd", "authorization", "cookie", "apikey", "ticket"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// redactJSON returns raw with scrub (Scrub, or scrubSecrets for data kept
// to be restored) applied to every string, key and number, and with the
// value of every sensitive key replaced by "[redacted]", except below a key
// listed in keep (data that must survive as it was, where only scrub
// applies). Numbers keep their exact digits; keys come out sorted.
func redactJSON(raw json.RawMessage, keep map[string]bool, scrub func(string) string) (json.RawMessage, error) {
	if len(raw) == 0 {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON: data after the value")
	}
	v = redactValue(v, keep, false, scrub)
	return marshalLine(v, "")
}

func redactValue(v any, keep map[string]bool, kept bool, scrub func(string) string) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, val := range v {
			switch {
			case !kept && val != nil && sensitiveKey(k):
				out[scrub(k)] = Redacted
			default:
				out[scrub(k)] = redactValue(val, keep, kept || keep[k], scrub)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, val := range v {
			out[i] = redactValue(val, keep, kept, scrub)
		}
		return out
	case string:
		return scrub(v)
	case json.Number:
		if scrub(string(v)) != string(v) {
			return Redacted
		}
		return v
	default:
		return v
	}
}

// marshalLine encodes v as JSON without HTML escaping (so the files read as
// the data was) and without a trailing newline; indent "" means one line.
func marshalLine(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
