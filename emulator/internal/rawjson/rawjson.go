// Package rawjson reads and writes the JSON the sandbox tenant holds
// (metadata objects, profileData, encoded users) without decoding whole
// objects: reading one member must not decode a whole object for every one
// of a million users. Standard library only; shared by emulator, its search
// (lucene) and its generator (gen).
package rawjson

import (
	"bytes"
	"encoding/json"
)

func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func SkipSpace(b []byte, i int) int {
	for i < len(b) && IsSpace(b[i]) {
		i++
	}
	return i
}

func TrimSpace(b []byte) []byte { return bytes.TrimSpace(b) }

// Compact returns v without insignificant whitespace (v itself if it has
// none).
func Compact(v json.RawMessage) json.RawMessage {
	if bytes.IndexAny(v, " \t\r\n") < 0 {
		return v
	}
	var buf bytes.Buffer
	if json.Compact(&buf, v) != nil {
		return v
	}
	return buf.Bytes()
}

// ValueEnd returns the index just past the JSON value that starts at b[i].
func ValueEnd(b []byte, i int) (int, bool) {
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
				e, ok := ValueEnd(b, j)
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
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !IsSpace(b[j]) {
		j++
	}
	return j, j > i
}

// EachMember calls fn with the raw key (without quotes, escapes kept) and
// value of every member of the object obj until fn returns false. It reports
// whether obj is a well-formed object.
func EachMember(obj []byte, fn func(key, val []byte) bool) bool {
	return eachItem(obj, '{', '}', func(key, val []byte) bool { return fn(key, val) })
}

// EachElement calls fn with every element of the array arr until fn returns
// false.
func EachElement(arr []byte, fn func(val []byte) bool) bool {
	return eachItem(arr, '[', ']', func(_, val []byte) bool { return fn(val) })
}

func eachItem(b []byte, open, close byte, fn func(key, val []byte) bool) bool {
	i := SkipSpace(b, 0)
	if i >= len(b) || b[i] != open {
		return false
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == close {
		return true
	}
	for i < len(b) {
		var key []byte
		if open == '{' {
			if b[i] != '"' {
				return false
			}
			ke, ok := ValueEnd(b, i)
			if !ok {
				return false
			}
			key = b[i+1 : ke-1]
			i = SkipSpace(b, ke)
			if i >= len(b) || b[i] != ':' {
				return false
			}
			i = SkipSpace(b, i+1)
		}
		ve, ok := ValueEnd(b, i)
		if !ok {
			return false
		}
		if !fn(key, b[i:ve]) {
			return true
		}
		i = SkipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = SkipSpace(b, i+1)
			continue
		}
		return i < len(b) && b[i] == close
	}
	return false
}

// KeyString decodes a raw member key.
func KeyString(raw []byte) string {
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

// KeyIs reports whether the raw member key spells want.
func KeyIs(raw []byte, want string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == want
	}
	return KeyString(raw) == want
}

// LookupMember returns the value of obj's member key.
func LookupMember(obj []byte, key string) (val []byte, found bool) {
	EachMember(obj, func(k, v []byte) bool {
		if KeyIs(k, key) {
			val, found = v, true
			return false
		}
		return true
	})
	return val, found
}

// Unquote decodes a JSON string value; ok is false for other kinds.
func Unquote(v []byte) (string, bool) {
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

// Member is one key and value of a JSON object, in order.
type Member struct {
	Key string
	Val json.RawMessage
}

// Members lists obj's members in order; nil or a non-object gives none.
func Members(obj []byte) []Member {
	var ms []Member
	EachMember(obj, func(k, v []byte) bool {
		ms = append(ms, Member{KeyString(k), v})
		return true
	})
	return ms
}

func AppendObject(b []byte, ms []Member) []byte {
	w := Writer{B: append(b, '{')}
	for _, m := range ms {
		w.Raw(m.Key, m.Val)
	}
	return append(w.B, '}')
}
