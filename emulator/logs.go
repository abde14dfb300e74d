package emulator

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
	"github.com/linkdesk/linkdesk/emulator/lucene"
)

// The tenant's log: the events its own traffic makes, served by
// GET /api/v2/logs (with Lucene search on type, date and the other members)
// and GET /api/v2/users/{id}/logs, in the shape go-auth0's recordings show.
// The events:
//   - seccft: an access token issued for client credentials;
//   - s, fp, fu: a login with a password (success, wrong password, unknown
//     user);
//   - ss: a user created (POST /api/v2/users, as a signup);
//   - sdu: a user deleted;
//   - sapi: any other Management API write that succeeded.
//
// Like user search, the log shows an event only after the search lag.

// Event types.
const (
	EventClientCredentials = "seccft"
	EventLogin             = "s"
	EventFailedPassword    = "fp"
	EventFailedLogin       = "fu"
	EventSignup            = "ss"
	EventUserDeleted       = "sdu"
	EventAPIOperation      = "sapi"
)

// maxEvents bounds the log: the oldest events go first.
const maxEvents = 100_000

// logEvent is one event, its JSON made once.
type logEvent struct {
	id     string
	date   time.Time
	typ    string
	desc   string
	userID string
	body   []byte
}

// event describes an event to record; nil pointers are JSON nulls.
type event struct {
	typ, description         string
	connection, connectionID *string
	clientID                 string
	clientName               *string
	ip                       string
	hostname                 *string
	details                  json.RawMessage // nil: null
	userID, userName         *string
	audience, scope          *string // scope: written only when set
	strategy, strategyType   *string
}

func ptr(s string) *string { return &s }

type eventLog struct {
	mu     sync.Mutex
	events []*logEvent
	seq    uint64
}

// add records e at now and returns it.
func (l *eventLog) add(e event, now time.Time) *logEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	now = now.UTC()
	if n := len(l.events); n > 0 && now.Before(l.events[n-1].date) {
		now = l.events[n-1].date // ids and dates never go back
	}
	// 56 digits as Auth0's: 900, the time to the millisecond, a sequence.
	id := "900" + strings.NewReplacer("-", "", ":", "", ".", "", "T", "", "Z", "").Replace(now.Format(rawjson.TimeLayout)) +
		fmt.Sprintf("%036d", l.seq)
	str := func(w *rawjson.Writer, k string, v *string) {
		w.Key(k)
		if v == nil {
			w.B = append(w.B, "null"...)
		} else {
			w.B = rawjson.AppendString(w.B, *v)
		}
	}
	w := rawjson.Writer{B: []byte{'{'}}
	w.Str("_id", id)
	w.Str("log_id", id)
	w.Time("date", now)
	w.Str("type", e.typ)
	w.Str("description", e.description)
	str(&w, "connection", e.connection)
	str(&w, "connection_id", e.connectionID)
	str(&w, "organization_id", nil)
	str(&w, "organization_name", nil)
	w.Str("client_id", e.clientID)
	str(&w, "client_name", e.clientName)
	w.Str("ip", e.ip)
	str(&w, "hostname", e.hostname)
	w.Key("details")
	if e.details == nil {
		w.B = append(w.B, "null"...)
	} else {
		w.B = append(w.B, e.details...)
	}
	str(&w, "user_id", e.userID)
	str(&w, "user_name", e.userName)
	w.Str("user_agent", "Other 0.0.0 / Other 0.0.0")
	str(&w, "audience", e.audience)
	if e.scope != nil {
		w.Str("scope", *e.scope)
	}
	str(&w, "strategy", e.strategy)
	str(&w, "strategy_type", e.strategyType)
	w.Key("isMobile")
	w.B = append(w.B, "false"...)
	w.Key("location_info")
	w.B = append(w.B, "null"...)
	ev := &logEvent{id: id, date: now, typ: e.typ, desc: e.description, body: append(w.B, '}')}
	if e.userID != nil {
		ev.userID = *e.userID
	}
	l.events = append(l.events, ev)
	if len(l.events) > maxEvents {
		l.events = slices.Delete(l.events, 0, len(l.events)-maxEvents)
	}
	return ev
}

// visible returns the events search shows at now (those older than lag),
// oldest first.
func (l *eventLog) visible(now time.Time, lag time.Duration) []*logEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := now.Add(-lag)
	n := len(l.events)
	for n > 0 && l.events[n-1].date.After(cut) {
		n--
	}
	return slices.Clone(l.events[:n])
}

// logDoc is an event as log search sees it.
type logDoc logEvent

func (d *logDoc) Text(f lucene.Field, i int) (string, int) {
	switch f {
	case lucene.FieldLogType:
		return d.typ, 1
	case lucene.FieldLogDescription:
		return d.desc, 1
	}
	return "", 1
}
func (d *logDoc) Time(lucene.Field) time.Time         { return d.date }
func (d *logDoc) Number(lucene.Field) (float64, bool) { return 0, false }
func (d *logDoc) JSON(_ lucene.Field, member string, i int) ([]byte, int) {
	if raw, ok := rawjson.LookupMember(d.body, member); ok {
		return raw, 1
	}
	return nil, 0
}

// record adds an event to the tenant's log.
func (s *Server) record(e event) { s.events.add(e, s.now()) }

// remoteIP is the address the request came from.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientName is the name of an application, as events carry it.
func (s *Server) clientName(id string) string { return s.clients[id].Name }

// userEvent describes an event about user u on its own connection.
func (s *Server) userEvent(r *http.Request, typ, clientID string, u *User) event {
	e := event{typ: typ, clientID: clientID, clientName: ptr(s.clientName(clientID)), ip: remoteIP(r),
		userID: ptr(u.UserID), userName: ptr(cmp.Or(u.Username, u.Email, u.PhoneNumber))}
	if c := s.st.connection(u.Connection()); c != nil {
		e.connection, e.connectionID = ptr(c.Name), ptr(c.ID)
		e.strategy, e.strategyType = ptr(c.Strategy), ptr(strategyType(c))
	}
	return e
}

// strategyType is Auth0's kind of a connection, as events name it.
func strategyType(c *Connection) string {
	switch {
	case isDatabase(c):
		return "database"
	case isPasswordless(c):
		return "passwordless"
	case socialStrategies[c.Strategy]:
		return "social"
	}
	return "enterprise"
}

// logPaging reads the paging of a logs list: page/per_page (default 50,
// at most 100, within the first 1,000 results) and sort date:1 or date:-1
// (newest first by default).
func logPaging(q url.Values) (pg paging, ascending bool, err error) {
	if pg, err = parsePaging(q, 50, 100); err != nil {
		return pg, false, err
	}
	switch q.Get("sort") {
	case "", "date:-1":
	case "date:1":
		ascending = true
	default:
		return pg, false, badRequest("invalid_query_string", "Query validation error: 'Invalid value \"%s\" for property sort'.", q.Get("sort"))
	}
	if pg.page*pg.perPage >= searchCap {
		return pg, false, badRequest("invalid_paging", "You can only page through the first %d records.", searchCap)
	}
	return pg, ascending, nil
}

// writeLogs answers a page of events: a bare array, or with include_totals
// {start, limit, length, total, logs}.
func writeLogs(w http.ResponseWriter, q url.Values, events []*logEvent, pg paging, ascending bool) {
	if !ascending {
		slices.Reverse(events)
	}
	start := min(pg.page*pg.perPage, len(events))
	page := events[start:min(start+pg.perPage, len(events))]
	proj := parseProjection(q)
	list := []byte{'['}
	for i, e := range page {
		if i > 0 {
			list = append(list, ',')
		}
		list = proj.appendFiltered(list, e.body)
	}
	list = append(list, ']')
	if !pg.totals {
		writeJSON(w, http.StatusOK, list)
		return
	}
	b := []byte(`{"start":`)
	b = strconv.AppendInt(b, int64(start), 10)
	b = strconv.AppendInt(append(b, `,"limit":`...), int64(pg.perPage), 10)
	b = strconv.AppendInt(append(b, `,"length":`...), int64(len(page)), 10)
	b = strconv.AppendInt(append(b, `,"total":`...), int64(len(events)), 10)
	b = append(append(append(b, `,"logs":`...), list...), '}')
	writeJSON(w, http.StatusOK, b)
}

// handleListLogs is GET /api/v2/logs: search (q), offset paging, or
// checkpoint paging (from, take: the events after from, oldest first).
func (s *Server) handleListLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	search, err := parseSearch(q.Get("q"), lucene.Logs)
	if err != nil {
		writeError(w, err)
		return
	}
	var events []*logEvent
	for _, e := range s.events.visible(s.now(), s.opts.SearchLag) {
		if search.Match((*logDoc)(e)) {
			events = append(events, e)
		}
	}
	if q.Has("from") || q.Has("take") {
		take, err := parseTake(q)
		if err != nil {
			writeError(w, err)
			return
		}
		if from := q.Get("from"); from != "" {
			i := slices.IndexFunc(events, func(e *logEvent) bool { return e.id == from })
			events = events[i+1:] // after from; from unknown (i = -1): from the start
		}
		writeLogs(w, q, events[:min(take, len(events))], paging{perPage: take}, true)
		return
	}
	pg, ascending, err := logPaging(q)
	if err != nil {
		writeError(w, err)
		return
	}
	writeLogs(w, q, events, pg, ascending)
}

// handleGetLog is GET /api/v2/logs/{id}.
func (s *Server) handleGetLog(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, e := range s.events.visible(s.now(), s.opts.SearchLag) {
		if e.id == id {
			writeJSON(w, http.StatusOK, e.body)
			return
		}
	}
	writeError(w, newAPIError(http.StatusNotFound, "inexistent_log", "log not found"))
}

// handleUserLogs is GET /api/v2/users/{id}/logs: the user's events, newest
// first.
func (s *Server) handleUserLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, ascending, err := logPaging(q)
	if err != nil {
		writeError(w, err)
		return
	}
	id := r.PathValue("id")
	var events []*logEvent
	for _, e := range s.events.visible(s.now(), s.opts.SearchLag) {
		if e.userID == id {
			events = append(events, e)
		}
	}
	writeLogs(w, q, events, pg, ascending)
}
