package linking

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/termsafe"
)

// PlanVersion is the version of the plan file format. Version 2: the id is
// unique, a digest guards the content, and every call is derived from its
// operation.
const PlanVersion = 2

// OpKind is what an operation does to the tenant.
type OpKind string

// Operation kinds.
const (
	OpLink        OpKind = "link"
	OpUnlink      OpKind = "unlink"
	OpDelete      OpKind = "delete"
	OpTicket      OpKind = "ticket"
	OpVerifyEmail OpKind = "verify_email"
	// OpRestore brings one user back to what a backup recorded: re-created,
	// metadata set, roles and memberships given or taken (an undo).
	OpRestore OpKind = "restore"
)

// Step actions: one Management API write each. The audit log names its
// records with them.
const (
	ActionPatchMetadata = "patch_metadata"
	ActionLink          = "link"
	ActionUnlink        = "unlink"
	ActionDelete        = "delete"
	ActionTicket        = "ticket"
	ActionVerifyEmail   = "verify_email"
	ActionCreateUser    = "create_user"
	ActionAssignRoles   = "assign_roles"
	ActionRemoveRoles   = "remove_roles"
	ActionAddMember     = "add_member"
	ActionRemoveMember  = "remove_member"
	ActionSetBlocked    = "set_blocked"
)

// Actions are every step action, as the audit log names its records.
var Actions = []string{ActionLink, ActionUnlink, ActionDelete, ActionPatchMetadata, ActionTicket, ActionVerifyEmail,
	ActionCreateUser, ActionAssignRoles, ActionRemoveRoles, ActionAddMember, ActionRemoveMember, ActionSetBlocked}

// Plan is a list of operations to carry out on one tenant, with what each
// expects to find, made to be reviewed, saved as plan.json, and applied.
type Plan struct {
	Version int `json:"version"`
	// ID names this plan, made on this tenant at this time, and no other:
	// journals, audit records and backups are filed under it.
	ID string `json:"id"`
	// Digest is the hash of everything else in the plan: a plan edited
	// after it was made no longer matches it.
	Digest     string       `json:"digest"`
	Tenant     string       `json:"tenant"`
	CreatedAt  time.Time    `json:"created_at"`
	CreatedBy  string       `json:"created_by,omitempty"`
	Operations []Operation  `json:"operations"`
	NotPlanned []NotPlanned `json:"not_planned"`
	// Notes say what the plan could not do, and why (an undo that must wait
	// for an account to log in again).
	Notes []string `json:"notes,omitempty"`
}

// Operation is one link, unlink, delete, ticket, verification email or
// restore: what it is for, and the calls (steps) it makes, in order. The
// operation is the truth: every step's call is derived from its fields
// (Validate), and a plan whose stored calls say otherwise is refused.
type Operation struct {
	ID    string `json:"id"` // "op1", "op2", … in plan order
	Kind  OpKind `json:"kind"`
	Group string `json:"group,omitempty"` // the normalized email of the group it came from
	// Primary is the account linked into (link) or detached from (unlink).
	Primary string `json:"primary,omitempty"`
	// Secondary is the account linked away (link: its user id,
	// provider|id) or the identity detached (unlink: provider|user_id).
	Secondary string `json:"secondary,omitempty"`
	// ConnectionID is the secondary's connection, sent with a link.
	ConnectionID string `json:"connection_id,omitempty"`
	// Target is the account deleted, restored, or the one a ticket or a
	// verification email is for.
	Target    string         `json:"target,omitempty"`
	Reason    string         `json:"reason,omitempty"` // the operator's own words
	Reasons   []string       `json:"reasons,omitempty"`
	Overrides []string       `json:"overrides,omitempty"` // safety checks explicitly overridden
	Merge     *MetadataMerge `json:"merge,omitempty"`     // link: the metadata merge preview
	// Roles and Organizations (link) are the secondary's roles and
	// organization memberships the primary does not have: given to the
	// primary before the link, which loses the secondary's.
	Roles         []client.Role         `json:"roles,omitempty"`
	Organizations []client.Organization `json:"organizations,omitempty"`
	// Cascade lists the identities linked into Target that its deletion
	// removes with it.
	Cascade []IdentityRef `json:"cascade,omitempty"`
	// KeepBlocked (unlink) blocks the identity once it is an account of its
	// own again: its primary is blocked, and Auth0 gives it back unblocked.
	KeepBlocked bool                  `json:"keep_blocked,omitempty"`
	Ticket      *client.TicketOptions `json:"ticket,omitempty"` // ticket: its options
	Verify      *VerifyOptions        `json:"verify,omitempty"` // verify_email: its options
	Restore     *Restore              `json:"restore,omitempty"`
	// Undoes names the operation this one undoes.
	Undoes *UndoRef `json:"undoes,omitempty"`
	// Names are the primary identifiers of the accounts the operation
	// names, by user id ("username william.muller1368"): user ids tell
	// accounts apart, identifiers tell the operator who is who.
	Names map[string]string `json:"names,omitempty"`
	Notes []string          `json:"notes,omitempty"` // what the operator should know (e.g. metadata not merged)
	Steps []Step            `json:"steps"`
}

// VerifyOptions adjust a verification email.
type VerifyOptions struct {
	ClientID string       `json:"client_id,omitempty"` // the application whose email settings it uses
	Identity *IdentityRef `json:"identity,omitempty"`  // one of the user's identities (a linked one)
}

// Restore is what a restore operation does to its Target, in this order:
// create it, set metadata keys, block it, give and take roles, add it to
// and remove it from organizations.
type Restore struct {
	// Create re-creates a deleted user.
	Create *client.NewUser `json:"create,omitempty"`
	// RandomPassword gives the created user (of a database connection) a
	// random password no one knows, never written anywhere: a
	// password-change ticket follows.
	RandomPassword bool `json:"random_password,omitempty"`
	// UserMetadata and AppMetadata set top-level keys (null removes one),
	// as a PATCH does.
	UserMetadata map[string]any `json:"user_metadata,omitempty"`
	AppMetadata  map[string]any `json:"app_metadata,omitempty"`
	// Blocked sets the user's block: an account an unlink gives back
	// comes back from its profile, which holds no block.
	Blocked             *bool                 `json:"blocked,omitempty"`
	AddRoles            []client.Role         `json:"add_roles,omitempty"`
	RemoveRoles         []client.Role         `json:"remove_roles,omitempty"`
	AddOrganizations    []client.Organization `json:"add_organizations,omitempty"`
	RemoveOrganizations []client.Organization `json:"remove_organizations,omitempty"`
}

// UndoRef names an operation of an earlier plan.
type UndoRef struct {
	PlanID string `json:"plan_id"`
	Op     string `json:"op"`   // "op1"
	Kind   OpKind `json:"kind"` // what it did
	OpID   string `json:"op_id,omitempty"`
}

func (r UndoRef) String() string { return r.PlanID + "/" + r.Op }

// Step is one call of an operation, with the state of every user it
// involves as it must be just before the call: anything else means the
// tenant changed since the plan was made.
type Step struct {
	ID     string      `json:"id"` // "op1.patch", "op1.link", …
	Action string      `json:"action"`
	Call   Call        `json:"call"`
	Expect []UserState `json:"expect"`
}

// Call is exactly one HTTP request to the Management API: what a dry run
// prints, what the audit log records, and what the executor sends.
type Call struct {
	Method string          `json:"method"`
	Path   string          `json:"path"` // ids percent-encoded, as sent
	Body   json.RawMessage `json:"body,omitempty"`
}

func (c Call) String() string {
	s := c.Method + " " + c.Path
	if len(c.Body) > 0 {
		s += " " + string(c.Body)
	}
	return s
}

// UserState is what the plan knows of a user: the fields that decide
// whether an operation is still right.
type UserState struct {
	UserID        string         `json:"user_id"`
	Exists        bool           `json:"exists"`
	Email         string         `json:"email,omitempty"`
	EmailVerified bool           `json:"email_verified,omitempty"`
	Identities    []IdentityRef  `json:"identities,omitempty"`
	UserMetadata  map[string]any `json:"user_metadata,omitempty"`
	AppMetadata   map[string]any `json:"app_metadata,omitempty"`
	// Access, when set, is checked too: the user's roles and organizations.
	Access *AccessState `json:"access,omitempty"`
	// CreatedAt, when set, is checked too: an account deleted and made
	// again with the same user id (an import, an admin) is not the one read.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// AccessState is the ids of a user's roles and organizations, sorted.
type AccessState struct {
	Roles         []string `json:"roles"`
	Organizations []string `json:"organizations"`
}

// IdentityRef names one entry of a user's identities[].
type IdentityRef struct {
	Provider   string `json:"provider"`
	UserID     string `json:"user_id"` // without the provider prefix
	Connection string `json:"connection,omitempty"`
}

func (r IdentityRef) String() string { return r.Provider + "|" + r.UserID }

// NotPlanned is a group the plan leaves alone, and why.
type NotPlanned struct {
	Group    string   `json:"group"`
	Class    Class    `json:"class"`
	Why      string   `json:"why"`             // WhyRefused or WhyNotActionable
	Check    string   `json:"check,omitempty"` // the safety check that refused it
	Reason   string   `json:"reason"`
	Accounts []string `json:"accounts"`
}

// Why a group is not planned.
const (
	WhyRefused       = "refused"        // a safety check said no
	WhyNotActionable = "not_actionable" // nothing to link: shared by design, legacy, mixed, …
)

// StateOf is the state of a user as read from the tenant.
func StateOf(u client.User) UserState {
	s := UserState{UserID: u.UserID, Exists: true, Email: u.Email, EmailVerified: u.EmailVerified, CreatedAt: u.CreatedAt}
	for _, id := range u.Identities {
		s.Identities = append(s.Identities, IdentityRef{Provider: id.Provider, UserID: id.UserID, Connection: id.Connection})
	}
	s.UserMetadata, s.AppMetadata = UserMetadata(u)
	if len(s.UserMetadata) == 0 {
		s.UserMetadata = nil
	}
	if len(s.AppMetadata) == 0 {
		s.AppMetadata = nil
	}
	return s
}

// absent is the state of a user that must not exist.
func absent(id string) UserState { return UserState{UserID: id} }

// NewPlan starts an empty plan for tenant, with its own id.
func NewPlan(tenant, createdBy string, now time.Time) *Plan {
	p := &Plan{Version: PlanVersion, Tenant: tenant, CreatedBy: createdBy, CreatedAt: now.UTC().Truncate(time.Second),
		Operations: []Operation{}, NotPlanned: []NotPlanned{}}
	p.ID = newPlanID(tenant, p.CreatedAt)
	p.Digest = p.digest()
	return p
}

// newPlanID is unique to one plan: the tenant, the time and 16 random bytes.
func newPlanID(tenant string, at time.Time) string {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		panic(fmt.Sprintf("plan id: %v", err)) // the system's random source never fails
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", tenant, at.Format(time.RFC3339Nano))
	h.Write(nonce[:])
	return "plan-" + at.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(h.Sum(nil)[:6])
}

// Add appends operations, numbering them and their steps, and updates the
// plan's digest.
func (p *Plan) Add(ops ...Operation) {
	for _, op := range ops {
		op.ID = fmt.Sprintf("op%d", len(p.Operations)+1)
		op.Steps = slices.Clone(op.Steps)
		seen := map[string]int{}
		for i := range op.Steps {
			suffix := stepSuffix(op.Steps[i].Action)
			if seen[suffix]++; seen[suffix] > 1 {
				suffix += strconv.Itoa(seen[suffix])
			}
			op.Steps[i].ID = op.ID + "." + suffix
		}
		p.Operations = append(p.Operations, op)
	}
	p.Seal()
}

// Seal sets the digest after a change to the plan made by its maker.
func (p *Plan) Seal() { p.Digest = p.digest() }

var stepSuffixes = map[string]string{
	ActionPatchMetadata: "patch", ActionCreateUser: "create", ActionAssignRoles: "roles", ActionRemoveRoles: "unroles",
	ActionAddMember: "member", ActionRemoveMember: "unmember", ActionVerifyEmail: "verify", ActionSetBlocked: "block",
}

func stepSuffix(action string) string {
	if s, ok := stepSuffixes[action]; ok {
		return s
	}
	return action
}

// Skip records a group the plan leaves alone.
func (p *Plan) Skip(np NotPlanned) {
	p.NotPlanned = append(p.NotPlanned, np)
	p.Seal()
}

// digest hashes the plan as JSON, its digest left out and every call body
// in canonical form (a body read from a file keeps the file's escapes).
func (p *Plan) digest() string {
	c := *p
	c.Digest = ""
	c.Operations = slices.Clone(p.Operations)
	for i := range c.Operations {
		op := &c.Operations[i]
		op.Steps = slices.Clone(op.Steps)
		for j := range op.Steps {
			if body := op.Steps[j].Call.Body; len(body) > 0 {
				if v, err := decodeJSON(body); err == nil {
					if canon, err := canonicalJSON(v); err == nil {
						op.Steps[j].Call.Body = canon
					}
				}
			}
		}
	}
	data, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("plan digest: %v", err)) // only maps of JSON values go in
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ReadBack reports whether the tenant keeps what a call of action did, so
// that reading it settles such a call cut off: any but a ticket or a
// verification email, which leave nothing to read.
func ReadBack(action string) bool { return action != ActionTicket && action != ActionVerifyEmail }

// ResumeCommand is the `linkdesk resume` command line, with flags, that
// acts on plan planID alone: what every piece of advice about one plan's
// write names, as resume without a plan id settles, finishes (--force) or
// discards (--discard --force) every plan unsettled on the tenant.
func ResumeCommand(planID string, flags ...string) string {
	return strings.Join(slices.Concat([]string{"linkdesk resume"}, flags, []string{planID}), " ")
}

// Op returns the operation with this id.
func (p *Plan) Op(id string) (Operation, bool) {
	for _, op := range p.Operations {
		if op.ID == id {
			return op, true
		}
	}
	return Operation{}, false
}

// CheckDiscard refuses to leave undone for good a step that blocks an
// account once an earlier step of its operation took effect (done says
// which steps the journal calls done): an unlink from a blocked primary
// gives the identity back, then blocks it; without the block, the person
// the primary's block kept out signs in with it.
//
// blocked tells whether a user is blocked now: a block the operator set
// by other means lets the rest go.
func (p *Plan) CheckDiscard(done func(step string) bool, blocked func(userID string) bool) error {
	for _, op := range p.Operations {
		acted := false
		for _, s := range op.Steps {
			if done(s.ID) {
				acted = true
				continue
			}
			var body struct{ Blocked bool }
			if acted && s.Action == ActionSetBlocked && json.Unmarshal(s.Call.Body, &body) == nil && body.Blocked &&
				!slices.ContainsFunc(stepUserIDs(s), blocked) {
				return refuse(CheckBlockLeftUndone, stepUserIDs(s),
					"%s blocks %s, which an earlier step of %s already gave back as an account of its own: left undone, it lets in the person a block kept out; finish it, or block the account by other means first",
					s.ID, strings.Join(stepUserIDs(s), ", "), op.ID)
			}
		}
	}
	return nil
}

// UndoOf is the operation of p that undoes ref (plan id/op id), if any.
func (p *Plan) UndoOf(ref string) *Operation {
	for i, op := range p.Operations {
		if op.Undoes != nil && op.Undoes.String() == ref {
			return &p.Operations[i]
		}
	}
	return nil
}

// StepIDs are the ids of every step in order.
func (p *Plan) StepIDs() []string {
	var out []string
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			out = append(out, s.ID)
		}
	}
	return out
}

// Emails are the groups the plan touches: the normalized emails of the
// accounts its steps expect and of those it re-creates, each once.
func (p *Plan) Emails() []string {
	var out []string
	add := func(email string) {
		if e := NormalizeEmail(email); e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	for _, op := range p.Operations {
		for _, s := range op.Steps {
			for _, u := range s.Expect {
				add(u.Email)
			}
		}
		if r := op.Restore; r != nil && r.Create != nil {
			add(r.Create.Email)
		}
	}
	return out
}

// Calls counts the calls the plan makes.
func (p *Plan) Calls() int { return len(p.StepIDs()) }

// Validate checks that the plan is whole and unchanged since it was made:
// its version, id and digest, and that every step's call is the one its
// operation makes and checks every user it changes.
func (p *Plan) Validate() error {
	_, err := p.derive()
	return err
}

// derive validates the plan and returns every step's call as derived from
// its operation, by step id.
func (p *Plan) derive() (map[string]stepCall, error) {
	if p.Version != PlanVersion {
		return nil, fmt.Errorf("plan version %d: this linkdesk reads version %d; make a new plan with this linkdesk", p.Version, PlanVersion)
	}
	if !strings.HasPrefix(p.ID, "plan-") {
		return nil, fmt.Errorf("plan id %q is not a linkdesk plan id", p.ID)
	}
	out := map[string]stepCall{}
	ops := map[string]bool{}
	for _, op := range p.Operations {
		if ops[op.ID] || op.ID == "" {
			return nil, fmt.Errorf("plan: operation id %q is empty or repeated", op.ID)
		}
		ops[op.ID] = true
		calls, err := deriveOp(op)
		if err != nil {
			return nil, fmt.Errorf("plan: operation %s (%s): %w: the plan was edited; make a new one", op.ID, op.Kind, err)
		}
		if len(op.Steps) != len(calls) {
			count := func(n int, one, many string) string {
				if n == 1 {
					return "1 " + one
				}
				return fmt.Sprintf("%d %s", n, many)
			}
			return nil, fmt.Errorf("plan: operation %s (%s) makes %s, but the plan lists %s: the plan was edited; make a new one",
				op.ID, op.Kind, count(len(calls), "call", "calls"), count(len(op.Steps), "step", "steps"))
		}
		for i, s := range op.Steps {
			if _, dup := out[s.ID]; dup || !strings.HasPrefix(s.ID, op.ID+".") {
				return nil, fmt.Errorf("plan: step id %q is repeated or not of operation %s", s.ID, op.ID)
			}
			c := calls[i]
			if s.Action != c.Action || !sameCall(s.Call, c.Call) {
				return nil, fmt.Errorf("plan: step %s: the plan says %s %q, but its operation (%s) makes %s %q: the plan was edited; make a new one",
					s.ID, s.Action, s.Call.String(), opTitle(op), c.Action, c.Call.String())
			}
			for _, tc := range c.touches {
				if !slices.ContainsFunc(s.Expect, func(u UserState) bool { return u.UserID == tc.user && u.Exists == tc.exists }) {
					what := "exist"
					if !tc.exists {
						what = "not exist"
					}
					return nil, fmt.Errorf("plan: step %s changes %s but does not check that it must %s first: the plan was edited; make a new one", s.ID, tc.user, what)
				}
			}
			out[s.ID] = c
		}
	}
	// Last: an edited call or check is named by its step above; any other
	// edit (a reason, an expected value) only the digest shows.
	if p.digest() != p.Digest {
		return nil, fmt.Errorf("plan digest %q does not match its content: the plan was edited after it was made; make a new one with `linkdesk plan`", p.Digest)
	}
	return out, nil
}

// opTitle names an operation in a message.
func opTitle(op Operation) string {
	switch op.Kind {
	case OpLink:
		return "link " + op.Secondary + " into " + op.Primary
	case OpUnlink:
		return "unlink " + op.Secondary + " from " + op.Primary
	}
	return string(op.Kind) + " " + op.Target
}

func sameCall(a, b Call) bool {
	if a.Method != b.Method || a.Path != b.Path || (len(a.Body) == 0) != (len(b.Body) == 0) {
		return false
	}
	if len(a.Body) == 0 {
		return true
	}
	va, errA := decodeJSON(a.Body)
	vb, errB := decodeJSON(b.Body)
	return errA == nil && errB == nil && jsonEqual(va, vb)
}

func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the value")
	}
	return v, nil
}

// WritePlan writes the plan as compact JSON on one line, every character a
// terminal would act on written as a \u escape (the values are unchanged).
func WritePlan(w io.Writer, p *Plan) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return err
	}
	_, err := io.WriteString(w, termsafe.DisplayJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))+"\n")
	return err
}

// ReadPlan reads and validates a plan file. Numbers keep their exact text.
func ReadPlan(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a linkdesk plan: %w", err)
	}
	for i := range p.Operations {
		for j := range p.Operations[i].Steps {
			c := &p.Operations[i].Steps[j].Call
			if len(c.Body) > 0 { // a call is shown and sent compact
				var buf bytes.Buffer
				if err := json.Compact(&buf, c.Body); err != nil {
					return nil, fmt.Errorf("not a linkdesk plan: %w", err)
				}
				c.Body = buf.Bytes()
			}
		}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// nowUTC is the plan's clock.
var nowUTC = func() time.Time { return time.Now().UTC() }

// NameAccounts gives each operation the primary identifiers of the
// accounts it names (primary, secondary, target) among users and the
// identities linked into them, where the identifier is not their email: a
// username or a phone number is what tells apart the people who share one
// (the email is the group's). An account named by its email that has a
// username (a legacy custom database holds several profiles with one
// email) is named by the username too.
func NameAccounts(ops []Operation, users []client.User, conns *Connections) {
	names := map[string]string{}
	name := func(userID string, id PrimaryIdentifier) {
		if id.Type != IdentifierUserID && id.Type != IdentifierEmail && id.Value != "" {
			names[userID] = id.String()
		}
	}
	// byUsername is what names an account or identity whose identifier is
	// its email: its username, where it has one.
	byUsername := func(id PrimaryIdentifier, username string) PrimaryIdentifier {
		if id.Type == IdentifierEmail && username != "" {
			return PrimaryIdentifier{Type: IdentifierUsername, Value: username}
		}
		return id
	}
	for _, u := range users {
		a := AccountFromUser(u, conns)
		name(u.UserID, byUsername(a.PrimaryIdentifier(conns), u.Username))
		for _, l := range a.Linked { // a legacy profile linked into a is named by its username too
			name(l.Provider+"|"+l.UserID, byUsername(l.PrimaryIdentifier(conns), l.Username))
		}
	}
	for i := range ops {
		ids := []string{ops[i].Primary, ops[i].Secondary, ops[i].Target}
		for _, c := range ops[i].Cascade { // the identities a deletion takes with it
			ids = append(ids, c.Provider+"|"+c.UserID)
		}
		for _, id := range ids {
			if n, ok := names[id]; ok {
				if ops[i].Names == nil {
					ops[i].Names = map[string]string{}
				}
				ops[i].Names[id] = n
			}
		}
	}
}

// Named is an account of the operation as the operator reads it: its user
// id, and its primary identifier where the operation knows it.
func (op Operation) Named(id string) string {
	if n := op.Names[id]; n != "" {
		return id + " (" + n + ")"
	}
	return id
}
