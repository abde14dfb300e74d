package session

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/linking"
)

// Call is one write call as the audit log tells it: its attempt and its
// result paired by op id, with the emails of the accounts it touched (from
// the state read just before it). The audit log screen and `linkdesk audit`
// both read the log this way.
type Call struct {
	Time      time.Time // of the result, else of the attempt
	Action    string
	Result    string // audit.ResultOK, ResultError, ResultUnknown, or NoResult
	OpID      string
	PlanID    string
	Step      string
	UserIDs   []string
	Names     map[string]string // primary identifiers by user id, where the record has them
	Emails    []string
	Operator  string
	Tenant    string
	Reason    string
	Error     string // what failed; none for an "ok" result
	Note      string // how a call cut off was settled, or the log's own note
	Backup    string
	Overrides []string
	Undoes    string // the operation this call's undo reverses (plan/op), if it is one
	Discards  string // the operation a discard left undone for good (plan/op), if it is one
	Request   json.RawMessage
	Records   []audit.Record // oldest first
}

// NoResult is the result of a call whose result record is missing: cut
// off before it answered (`linkdesk resume` settles it). The records of
// no call (the log's own notes, a repair; a discard) have audit.PhaseNote
// as their result.
const NoResult = "no result"

// ReadCalls reads the whole audit log at path as calls, newest first, and
// the lines it had to skip.
func ReadCalls(path string) ([]Call, []audit.SkippedLine, error) {
	recs, skipped, err := audit.ReadLog(path)
	return Calls(recs), skipped, err
}

// Calls pairs records (oldest first, as the log holds them) into calls,
// newest first.
func Calls(recs []audit.Record) []Call {
	var out []Call
	at := map[string]int{}
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		j, ok := at[r.OpID]
		if !ok || r.OpID == "" {
			out = append(out, Call{Time: r.Time, Action: r.Action, OpID: r.OpID, Result: NoResult})
			j = len(out) - 1
			at[r.OpID] = j
		}
		c := &out[j]
		c.Records = append([]audit.Record{r}, c.Records...)
		if r.Phase == audit.PhaseNote { // a record of no call (a repair, a discard): its words say it
			c.Result, c.Error, c.Note, c.Time = audit.PhaseNote, "", r.Noted(), r.Time
		}
		if r.Phase == audit.PhaseResult && c.Result == NoResult {
			// The newest result is the call's: a call cut off and settled
			// on resume has "unknown", then what reading the tenant showed.
			c.Result, c.Error, c.Note, c.Time = r.Result, r.Failed(), r.Noted(), r.Time
		}
		c.UserIDs = firstOf(c.UserIDs, r.UserIDs)
		c.Operator = firstOf(c.Operator, r.Operator)
		c.Tenant = firstOf(c.Tenant, r.Tenant)
		c.Reason = firstOf(c.Reason, r.Reason)
		c.Backup = firstOf(c.Backup, r.Backup)
		c.Step = firstOf(c.Step, r.Step)
		c.PlanID = firstOf(c.PlanID, r.PlanID)
		c.Overrides = firstOf(c.Overrides, r.Overrides)
		c.Undoes = firstOf(c.Undoes, r.Undoes)
		c.Discards = firstOf(c.Discards, r.Discards)
		if len(c.Request) == 0 {
			c.Request = r.Request
		}
		c.Emails = firstOf(c.Emails, beforeEmails(r.Before))
		c.Emails = firstOf(c.Emails, requestEmail(r.Request))
		for _, e := range r.Emails { // the identities a deletion took with it
			c.Emails = addEmail(c.Emails, e)
		}
		if c.Names == nil {
			c.Names = r.Names
		}
	}
	return out
}

func firstOf[T string | []string](a, b T) T {
	if len(a) > 0 {
		return a
	}
	return b
}

// beforeEmails are the emails of the users a record read before its call
// (its "before" states), in order, without repeats.
func beforeEmails(before json.RawMessage) []string {
	var states []struct {
		Email string `json:"email"`
	}
	if len(before) == 0 || json.Unmarshal(before, &states) != nil {
		return nil
	}
	var out []string
	for _, s := range states {
		out = addEmail(out, s.Email)
	}
	return out
}

// addEmail appends email to list unless it is empty or there already, in
// any case: one address, whatever its case.
func addEmail(list []string, email string) []string {
	if email == "" || slices.ContainsFunc(list, func(e string) bool { return strings.EqualFold(e, email) }) {
		return list
	}
	return append(list, email)
}

// requestEmail is the email a call sends (a user made again has no state
// before it: its email is in the body of the call that creates it).
func requestEmail(request json.RawMessage) []string {
	var call struct {
		Body struct {
			Email string `json:"email"`
		} `json:"body"`
	}
	if len(request) == 0 || json.Unmarshal(request, &call) != nil || call.Body.Email == "" {
		return nil
	}
	return []string{call.Body.Email}
}

// CallFilter narrows calls: every field set must match (emails by
// substring without case; a user as UserNamed takes it; the others
// exactly).
type CallFilter struct {
	Email    string
	User     string // a user id, an identity's id without its provider, a username or a phone number
	Action   string
	Result   string
	Operator string
	OpID     string
	Since    time.Time // calls at or after it (zero: all)
}

// Match reports whether c passes the filter.
func (f CallFilter) Match(c Call) bool {
	contains := func(list []string, sub string) bool {
		sub = strings.ToLower(sub)
		for _, s := range list {
			if strings.Contains(strings.ToLower(s), sub) {
				return true
			}
		}
		return false
	}
	switch {
	case f.Email != "" && !contains(c.Emails, f.Email),
		f.User != "" && c.UserNamed(f.User) == "",
		f.Action != "" && c.Action != f.Action,
		f.Result != "" && c.Result != f.Result,
		f.Operator != "" && c.Operator != f.Operator,
		f.OpID != "" && c.OpID != f.OpID,
		!f.Since.IsZero() && c.Time.Before(f.Since):
		return false
	}
	return true
}

// UserNamed is the user id of c's accounts that query names, "" for none:
// the user id itself, an identity's id without its provider
// (101202303404505606707 for google-oauth2|101202303404505606707, as
// Auth0's search takes it), or the username or phone number the records
// name the account by (Names), matched as Find matches them (a username
// in any case; a phone number by its digits, or by their end when typed
// without its country code). A user id is matched in any case too. Never
// by a part: "miller" names neither emma.miller nor liam.miller.
func (c Call) UserNamed(query string) string {
	q := strings.TrimSpace(query)
	if q == "" {
		return ""
	}
	for _, id := range c.UserIDs {
		_, bare, _ := strings.Cut(id, "|")
		if strings.EqualFold(id, q) || strings.EqualFold(bare, q) {
			return id
		}
	}
	f := &Found{Query: q, By: FoundBySearch, NumberEnd: numberEnd(q)}
	for _, id := range c.UserIDs {
		switch kind, value, _ := strings.Cut(c.Names[id], " "); kind {
		case linking.IdentifierUsername:
			if f.holdsItself(value, "") {
				return id
			}
		case linking.IdentifierPhoneNumber:
			if f.holdsItself("", value) {
				return id
			}
		}
	}
	return ""
}

// SearchText is what a typed filter matches in a call, in lower case, with
// extra words (the accounts' identifiers as a scan knows them).
func (c Call) SearchText(extra ...string) string {
	parts := []string{c.Action, c.Result, c.Operator, c.Reason, c.OpID, c.PlanID, c.Step, c.Error, c.Note}
	parts = append(parts, c.UserIDs...)
	parts = append(parts, c.Identifiers()...)
	parts = append(parts, c.Emails...)
	parts = append(parts, extra...)
	return strings.ToLower(strings.Join(parts, "\n"))
}

// Identifiers are the primary identifiers the records name, in user id
// order ("username emma.miller").
func (c Call) Identifiers() []string {
	var out []string
	for _, id := range c.UserIDs {
		if n := c.Names[id]; n != "" {
			out = append(out, n)
		}
	}
	return out
}
