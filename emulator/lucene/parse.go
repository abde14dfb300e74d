// Package lucene is the search query language of the sandbox tenant: the
// Lucene syntax of Auth0's user search (GET /api/v2/users?q=, search engine
// v3) and log search (GET /api/v2/logs?q=), parsed into a Query that
// matches any Document. It knows the fields of both (Users, Logs) and how
// each compares; the documents are the caller's. It must not import
// emulator.
package lucene

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// User search (GET /api/v2/users?q=) speaks the Lucene query syntax of
// Auth0's search v3:
//
//   - field:value, field:"a phrase", field:(a OR b), a bare term (searches
//     user_id, email, name, given_name, family_name, nickname, username and
//     phone_number; never metadata);
//   - AND, OR, NOT (capitalized), &&, ||, !, +term, -term and parentheses.
//     Terms side by side are OR'ed, as Lucene's default operator is OR; AND
//     binds tighter than OR. -x and NOT x exclude, +x requires, as in Lucene:
//     "a -b" is a AND NOT b, and a query of only exclusions matches everyone
//     else;
//   - * and ? wildcards (a leading wildcard needs 3 literal characters
//     after it, as Auth0 asks), _exists_:field, field:*;
//   - ranges [a TO b], {a TO b} (mixed brackets too, * for open ends) and
//     field:>v, >=, <, <= on dates (created_at, updated_at, last_login),
//     numbers (logins_count, numeric metadata) and text. A date without a time
//     stands for the whole day: created_at:2024-05-01 matches that day and an
//     inclusive upper bound includes it;
//   - backslash escapes any character, inside quotes or out, so
//     email:"a@b.com\" OR email:*" matches that one odd address only.
//
// Values of email, name, given_name, family_name and nickname match
// case-insensitively; every other field, metadata included, is
// case-sensitive. email, user_id and the other keyword fields match whole
// values; name, given_name, family_name and nickname also match one of their
// words, and a phrase matches consecutive words. Wildcards and ranges are
// refused on user_metadata, as Auth0 refuses them.
//
// Log search (Logs) takes the same syntax on the fields of a log event:
// type, date, user_id, client_id and the others of Logs.
//
// A malformed query is an *Error.

// Query is a parsed search.
type Query interface {
	// Match reports whether the document matches.
	Match(d Document) bool
}

// query is a parsed search or a part of one.
type query interface{ match(d Document) bool }

// parsed is a whole query as Parse returns it.
type parsed struct{ query }

func (p parsed) Match(d Document) bool { return p.query.match(d) }

type matchAll struct{}

func (matchAll) match(Document) bool { return true }

// boolQuery is a Lucene clause list: every must, no mustNot, and (when there
// is no must) at least one should.
type boolQuery struct{ must, should, mustNot []query }

func (q *boolQuery) match(u Document) bool {
	for _, c := range q.mustNot {
		if c.match(u) {
			return false
		}
	}
	for _, c := range q.must {
		if !c.match(u) {
			return false
		}
	}
	if len(q.must) > 0 || len(q.should) == 0 {
		return true
	}
	for _, c := range q.should {
		if c.match(u) {
			return true
		}
	}
	return false
}

type andQuery struct{ l, r query }

func (q andQuery) match(u Document) bool { return q.l.match(u) && q.r.match(u) }

type notQuery struct{ q query }

func (q notQuery) match(u Document) bool { return !q.q.match(u) }

// required and prohibited mark +x and -x/NOT x while a clause list is parsed.
type required struct{ query }
type prohibited struct{ query }

func unwrap(q query) query {
	switch c := q.(type) {
	case required:
		return c.query
	case prohibited:
		return notQuery{c.query}
	}
	return q
}

// Error is a malformed query; Auth0 answers it with 400 invalid_query_string
// and "Query validation error: '<Msg>'.".
type Error struct{ Msg string }

func (e *Error) Error() string { return "Query validation error: '" + e.Msg + "'." }

func queryError(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Parse parses q for documents of schema s; an empty q matches everything.
func Parse(q string, s *Schema) (Query, error) {
	res, err := parseQuery(q, s)
	if err != nil {
		return nil, err
	}
	return parsed{res}, nil
}

func parseQuery(q string, s *Schema) (query, error) {
	p := &qparser{s: q, schema: s}
	p.skipSpace()
	if p.eof() {
		return matchAll{}, nil
	}
	res, err := p.parseOr("")
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, queryError("unexpected %q at position %d", p.s[p.i], p.i)
	}
	return unwrap(res), nil
}

type qparser struct {
	s      string
	i      int
	depth  int
	schema *Schema
}

func (p *qparser) eof() bool  { return p.i >= len(p.s) }
func (p *qparser) peek() byte { return p.s[p.i] }

func (p *qparser) skipSpace() {
	for p.i < len(p.s) && rawjson.IsSpace(p.s[p.i]) {
		p.i++
	}
}

// keyword consumes the operator word k if it stands alone at the cursor.
func (p *qparser) keyword(k string) bool {
	if !strings.HasPrefix(p.s[p.i:], k) {
		return false
	}
	end := p.i + len(k)
	if end < len(p.s) && !rawjson.IsSpace(p.s[end]) && p.s[end] != '(' && p.s[end] != '"' {
		return false
	}
	p.i = end
	return true
}

func (p *qparser) symbol(sym string) bool {
	if strings.HasPrefix(p.s[p.i:], sym) {
		p.i += len(sym)
		return true
	}
	return false
}

// parseOr parses a clause list up to ')' or the end.
func (p *qparser) parseOr(field string) (query, error) {
	b := &boolQuery{}
	n := 0
	for {
		p.skipSpace()
		if p.eof() || p.peek() == ')' {
			break
		}
		if p.keyword("OR") || p.symbol("||") {
			p.skipSpace()
			if n == 0 || p.eof() || p.peek() == ')' {
				return nil, queryError("OR needs a term on each side")
			}
			continue
		}
		q, err := p.parseAnd(field)
		if err != nil {
			return nil, err
		}
		n++
		switch c := q.(type) {
		case prohibited:
			b.mustNot = append(b.mustNot, c.query)
		case required:
			b.must = append(b.must, c.query)
		default:
			b.should = append(b.should, q)
		}
	}
	switch {
	case n == 0:
		return nil, queryError("empty query")
	case n == 1 && len(b.should) == 1:
		return b.should[0], nil
	case n == 1 && len(b.must) == 1:
		return required{b.must[0]}, nil
	case n == 1 && len(b.mustNot) == 1:
		return prohibited{b.mustNot[0]}, nil
	}
	return b, nil
}

func (p *qparser) parseAnd(field string) (query, error) {
	left, err := p.parseUnary(field)
	if err != nil {
		return nil, err
	}
	for {
		save := p.i
		p.skipSpace()
		if p.eof() || !(p.keyword("AND") || p.symbol("&&")) {
			p.i = save
			return left, nil
		}
		right, err := p.parseUnary(field)
		if err != nil {
			return nil, err
		}
		left = andQuery{unwrap(left), unwrap(right)}
	}
}

func (p *qparser) parseUnary(field string) (query, error) {
	p.skipSpace()
	if p.eof() {
		return nil, queryError("missing term at the end")
	}
	switch {
	case p.keyword("NOT"), p.symbol("!"):
		q, err := p.parseUnary(field)
		if err != nil {
			return nil, err
		}
		return prohibited{unwrap(q)}, nil
	case p.symbol("-"):
		q, err := p.parsePrimary(field)
		return prohibited{unwrap(q)}, err
	case p.symbol("+"):
		q, err := p.parsePrimary(field)
		return required{unwrap(q)}, err
	}
	return p.parsePrimary(field)
}

func (p *qparser) parsePrimary(field string) (query, error) {
	p.skipSpace()
	if p.eof() {
		return nil, queryError("missing term at the end")
	}
	switch p.peek() {
	case '(':
		return p.parseGroup(field)
	case ')', ':', ']', '}':
		return nil, queryError("unexpected %q at position %d", p.peek(), p.i)
	case '"', '[', '{', '>', '<':
		if field == "" && p.peek() != '"' {
			return nil, queryError("a range needs a field")
		}
		return p.parseValue(field)
	}
	start := p.i
	w, err := p.readWord(false)
	if err != nil {
		return nil, err
	}
	if w.raw == "AND" || w.raw == "OR" || w.raw == "NOT" {
		return nil, queryError("%s needs a term on each side", w.raw)
	}
	if !p.eof() && p.peek() == ':' {
		if field != "" {
			return nil, queryError("field inside field %q", field)
		}
		p.i++
		name := w.raw
		if w.escaped {
			name = w.text
		}
		if name == "" {
			return nil, queryError("empty field name at position %d", start)
		}
		return p.parseFieldValue(name)
	}
	return p.termQuery(field, w)
}

func (p *qparser) parseGroup(field string) (query, error) {
	p.i++ // (
	p.depth++
	if p.depth > 64 {
		return nil, queryError("too many nested parentheses")
	}
	q, err := p.parseOr(field)
	if err != nil {
		return nil, err
	}
	if p.eof() || p.peek() != ')' {
		return nil, queryError("missing closing parenthesis")
	}
	p.i++
	p.depth--
	if err := p.skipBoost(); err != nil {
		return nil, err
	}
	return unwrap(q), nil
}

func (p *qparser) parseFieldValue(name string) (query, error) {
	p.skipSpace()
	if p.eof() {
		return nil, queryError("field %s has no value", name)
	}
	if name == "_exists_" {
		w, err := p.readWord(false)
		if err != nil {
			return nil, err
		}
		if w.text == "" {
			return nil, queryError("_exists_ needs a field name")
		}
		return p.schema.fieldQuery(w.text, value{kind: vExists})
	}
	if name == "*" {
		w, err := p.readWord(false)
		if err != nil {
			return nil, err
		}
		if w.raw != "*" {
			return nil, queryError("*: only takes *")
		}
		return matchAll{}, nil
	}
	if p.peek() == '(' {
		return p.parseGroup(name)
	}
	return p.parseValue(name)
}

// parseValue parses the value of field (phrase, range, comparison or word).
func (p *qparser) parseValue(field string) (query, error) {
	switch p.peek() {
	case '"':
		text, err := p.readPhrase()
		if err != nil {
			return nil, err
		}
		if err := p.skipBoost(); err != nil {
			return nil, err
		}
		return p.schema.fieldQuery(field, value{kind: vPhrase, text: text})
	case '[', '{':
		v, err := p.readRange()
		if err != nil {
			return nil, err
		}
		return p.schema.fieldQuery(field, v)
	case '>', '<':
		v := value{kind: vRange, loOpen: true, hiOpen: true}
		op := p.peek()
		p.i++
		inclusive := p.symbol("=")
		w, err := p.readWord(false)
		if err != nil {
			return nil, err
		}
		if w.text == "" {
			return nil, queryError("%c needs a value", op)
		}
		if op == '>' {
			v.lo, v.loOpen, v.loInc = w.text, false, inclusive
		} else {
			v.hi, v.hiOpen, v.hiInc = w.text, false, inclusive
		}
		return p.schema.fieldQuery(field, v)
	}
	w, err := p.readWord(false)
	if err != nil {
		return nil, err
	}
	if w.raw == "" {
		return nil, queryError("field %s has no value", field)
	}
	return p.termQuery(field, w)
}

func (p *qparser) termQuery(field string, w word) (query, error) {
	if err := p.skipBoost(); err != nil {
		return nil, err
	}
	if w.raw == "*" {
		if field == "" {
			return matchAll{}, nil
		}
		return p.schema.fieldQuery(field, value{kind: vExists})
	}
	if w.glob != nil {
		return p.schema.fieldQuery(field, value{kind: vWildcard, text: w.text, glob: w.glob})
	}
	return p.schema.fieldQuery(field, value{kind: vTerm, text: w.text})
}

// skipBoost skips a ^boost (relevance does not change which users match) and
// refuses ~ (fuzzy and proximity searches are not supported).
func (p *qparser) skipBoost() error {
	if p.eof() {
		return nil
	}
	switch p.peek() {
	case '~':
		return queryError("fuzzy and proximity searches (~) are not supported")
	case '^':
		p.i++
		start := p.i
		for p.i < len(p.s) && (p.s[p.i] == '.' || p.s[p.i] >= '0' && p.s[p.i] <= '9') {
			p.i++
		}
		if p.i == start {
			return queryError("^ needs a number")
		}
	}
	return nil
}

// word is an unquoted term: raw is the text as typed, text has escapes
// resolved, glob is set when it has unescaped wildcards.
type word struct {
	raw, text string
	glob      []globPart
	escaped   bool
}

// readWord reads an unquoted term, up to a space or one of ():"[]{}^~; a
// range bound (inRange) only ends at a space, ] or }, as in Lucene.
func (p *qparser) readWord(inRange bool) (word, error) {
	start := p.i
	var text strings.Builder
	var glob []globPart
	lit := 0 // start in text of the current literal run
	wild := false
	escaped := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		if rawjson.IsSpace(c) || !inRange && strings.IndexByte("():\"[]{}^~", c) >= 0 || inRange && (c == ']' || c == '}') {
			break
		}
		if c == '\\' {
			if p.i+1 >= len(p.s) {
				return word{}, queryError("a backslash at the end escapes nothing")
			}
			r, size := utf8.DecodeRuneInString(p.s[p.i+1:])
			text.WriteRune(r)
			p.i += 1 + size
			escaped = true
			continue
		}
		if c == '*' || c == '?' {
			t := text.String()
			if lit < len(t) {
				glob = append(glob, globPart{lit: t[lit:]})
			}
			glob = append(glob, globPart{star: c == '*', one: c == '?'})
			text.WriteByte(c)
			lit = text.Len()
			wild = true
			p.i++
			continue
		}
		text.WriteByte(c)
		p.i++
	}
	w := word{raw: p.s[start:p.i], text: text.String(), escaped: escaped}
	if wild {
		if lit < len(w.text) {
			glob = append(glob, globPart{lit: w.text[lit:]})
		}
		w.glob = glob
	}
	return w, nil
}

// readPhrase reads a quoted string at the cursor.
func (p *qparser) readPhrase() (string, error) {
	p.i++ // "
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) {
				return "", queryError("a backslash at the end escapes nothing")
			}
			r, size := utf8.DecodeRuneInString(p.s[p.i+1:])
			b.WriteRune(r)
			p.i += 1 + size
			continue
		case '"':
			p.i++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.i++
	}
	return "", queryError("missing closing quote")
}

func (p *qparser) readRange() (value, error) {
	v := value{kind: vRange, loInc: p.peek() == '['}
	p.i++
	bound := func() (text string, open bool, err error) {
		p.skipSpace()
		if p.eof() {
			return "", false, queryError("unfinished range")
		}
		if p.peek() == '"' {
			text, err = p.readPhrase()
			return text, false, err
		}
		w, err := p.readWord(true)
		if err != nil {
			return "", false, err
		}
		if w.raw == "" {
			return "", false, queryError("a range bound is missing")
		}
		return w.text, w.raw == "*", nil
	}
	var err error
	if v.lo, v.loOpen, err = bound(); err != nil {
		return v, err
	}
	p.skipSpace()
	if !p.keyword("TO") {
		return v, queryError("a range needs TO")
	}
	if v.hi, v.hiOpen, err = bound(); err != nil {
		return v, err
	}
	p.skipSpace()
	if p.eof() || (p.peek() != ']' && p.peek() != '}') {
		return v, queryError("a range needs ] or }")
	}
	v.hiInc = p.peek() == ']'
	p.i++
	return v, nil
}
