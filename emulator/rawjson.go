package emulator

import (
	"bytes"
	"encoding/json"
)

// Small scanners over JSON the emulator already holds (metadata objects,
// profileData, encoded users): reading one member must not decode a whole
// object for every one of a million users.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func trimSpace(b []byte) []byte { return bytes.TrimSpace(b) }

// compactRaw returns v without insignificant whitespace (v itself if it has
// none).
func compactRaw(v json.RawMessage) json.RawMessage {
	if bytes.IndexAny(v, " \t\r\n") < 0 {
		return v
	}
	var buf bytes.Buffer
	if json.Compact(&buf, v) != nil {
		return v
	}
	return buf.Bytes()
}

// valueEnd returns the index just past the JSON value that starts at b[i].
func valueEnd(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1, true
			}
		}
		return len(b), false
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e, ok := valueEnd(b, j)
				if !ok {
					return e, false
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return len(b), false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isSpace(b[j]) {
		j++
	}
	return j, j > i
}

// eachMember calls fn with the raw key (without quotes, escapes kept) and
// value of every member of the object obj until fn returns false. It reports
// whether obj is a well-formed object.
func eachMember(obj []byte, fn func(key, val []byte) bool) bool {
	return eachItem(obj, '{', '}', func(key, val []byte) bool { return fn(key, val) })
}

// eachElement calls fn with every element of the array arr until fn returns
// false.
func eachElement(arr []byte, fn func(val []byte) bool) bool {
	return eachItem(arr, '[', ']', func(_, val []byte) bool { return fn(val) })
}

func eachItem(b []byte, open, close byte, fn func(key, val []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != open {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == close {
		return true
	}
	for i < len(b) {
		var key []byte
		if open == '{' {
			if b[i] != '"' {
				return false
			}
			ke, ok := valueEnd(b, i)
			if !ok {
				return false
			}
			key = b[i+1 : ke-1]
			i = skipSpace(b, ke)
			if i >= len(b) || b[i] != ':' {
				return false
			}
			i = skipSpace(b, i+1)
		}
		ve, ok := valueEnd(b, i)
		if !ok {
			return false
		}
		if !fn(key, b[i:ve]) {
			return true
		}
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		return i < len(b) && b[i] == close
	}
	return false
}

// keyString decodes a raw member key.
func keyString(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var s string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	if json.Unmarshal(quoted, &s) != nil {
		return string(raw)
	}
	return s
}

// keyIs reports whether the raw member key spells want.
func keyIs(raw []byte, want string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == want
	}
	return keyString(raw) == want
}

// lookupMember returns the value of obj's member key.
func lookupMember(obj []byte, key string) (val []byte, found bool) {
	eachMember(obj, func(k, v []byte) bool {
		if keyIs(k, key) {
			val, found = v, true
			return false
		}
		return true
	})
	return val, found
}

// rawString decodes a JSON string value; ok is false for other kinds.
func rawString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// member is one key and value of a JSON object, in order.
type member struct {
	key string
	val json.RawMessage
}

// objectMembers lists obj's members in order; nil or a non-object gives none.
func objectMembers(obj []byte) []member {
	var ms []member
	eachMember(obj, func(k, v []byte) bool {
		ms = append(ms, member{keyString(k), v})
		return true
	})
	return ms
}

func appendObject(b []byte, ms []member) []byte {
	w := objWriter{b: append(b, '{')}
	for _, m := range ms {
		w.raw(m.key, m.val)
	}
	return append(w.b, '}')
}
