package linking

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/client"
)

// PlanVersion is the version of the plan file format.
const PlanVersion = 1

// OpKind is what an operation does to the tenant.
type OpKind string

// Operation kinds.
const (
	OpLink   OpKind = "link"
	OpUnlink OpKind = "unlink"
	OpDelete OpKind = "delete"
	OpTicket OpKind = "ticket"
)

// Step actions: one Management API write each. The audit log names its
// records with them.
const (
	ActionPatchMetadata = "patch_metadata"
	ActionLink          = "link"
	ActionUnlink        = "unlink"
	ActionDelete        = "delete"
	ActionTicket        = "ticket"
)

// Plan is a list of operations to carry out on one tenant, with what each
// expects to find, made to be reviewed, saved as plan.json, and applied.
type Plan struct {
	Version    int          `json:"version"`
	ID         string       `json:"id"` // PlanID of Operations
	Tenant     string       `json:"tenant"`
	CreatedAt  time.Time    `json:"created_at"`
	CreatedBy  string       `json:"created_by,omitempty"`
	Operations []Operation  `json:"operations"`
	NotPlanned []NotPlanned `json:"not_planned"`
}

// Operation is one link, unlink, delete or password-change ticket: the calls
// (steps) it makes, in order, and why.
type Operation struct {
	ID    string `json:"id"` // "op1", "op2", … in plan order
	Kind  OpKind `json:"kind"`
	Group string `json:"group,omitempty"` // the normalized email of the group it came from
	// Primary is the account linked into (link) or detached from (unlink).
	Primary string `json:"primary,omitempty"`
	// Secondary is the account linked away (link: its user id) or the
	// identity detached (unlink: provider|user_id).
	Secondary string `json:"secondary,omitempty"`
	// Target is the account deleted, or the one a ticket is for.
	Target    string         `json:"target,omitempty"`
	Reason    string         `json:"reason,omitempty"` // the operator's own words
	Reasons   []string       `json:"reasons,omitempty"`
	Overrides []string       `json:"overrides,omitempty"` // safety checks explicitly overridden
	Merge     *MetadataMerge `json:"merge,omitempty"`     // link: the metadata merge preview
	// Cascade lists the identities linked into Target that its deletion
	// removes with it.
	Cascade []IdentityRef `json:"cascade,omitempty"`
	Notes   []string      `json:"notes,omitempty"` // what the operator should know (e.g. metadata not merged)
	Steps   []Step        `json:"steps"`
}

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
	s := UserState{UserID: u.UserID, Exists: true, Email: u.Email, EmailVerified: u.EmailVerified}
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

// NewPlan starts an empty plan for tenant.
func NewPlan(tenant, createdBy string, now time.Time) *Plan {
	return &Plan{Version: PlanVersion, Tenant: tenant, CreatedBy: createdBy, CreatedAt: now.UTC().Truncate(time.Second),
		Operations: []Operation{}, NotPlanned: []NotPlanned{}}
}

// Add appends operations, numbering them and their steps, and updates the
// plan's id.
func (p *Plan) Add(ops ...Operation) {
	for _, op := range ops {
		op.ID = fmt.Sprintf("op%d", len(p.Operations)+1)
		op.Steps = slices.Clone(op.Steps)
		for i := range op.Steps {
			op.Steps[i].ID = op.ID + "." + stepSuffix(op.Steps[i].Action)
		}
		p.Operations = append(p.Operations, op)
	}
	p.ID = PlanID(p.Operations)
}

func stepSuffix(action string) string {
	if action == ActionPatchMetadata {
		return "patch"
	}
	return action
}

// Skip records a group the plan leaves alone.
func (p *Plan) Skip(np NotPlanned) { p.NotPlanned = append(p.NotPlanned, np) }

// PlanID is the hash of the operations: the same operations give the same
// id, so an apply's journal (named after it) belongs to exactly one plan.
func PlanID(ops []Operation) string {
	data, err := json.Marshal(ops)
	if err != nil {
		panic(fmt.Sprintf("plan id: %v", err)) // only maps of JSON values go in
	}
	sum := sha256.Sum256(data)
	return "plan-" + hex.EncodeToString(sum[:10])
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

// Calls counts the calls the plan makes.
func (p *Plan) Calls() int { return len(p.StepIDs()) }

// Validate checks that the plan is whole and unchanged since it was made:
// its version, its id (the hash of its operations) and every call.
func (p *Plan) Validate() error {
	if p.Version != PlanVersion {
		return fmt.Errorf("plan version %d: this linkdesk reads version %d", p.Version, PlanVersion)
	}
	if id := PlanID(p.Operations); p.ID != id {
		return fmt.Errorf("plan id %q does not match its operations (%s): the plan was edited after it was made; make a new one with `linkdesk plan`", p.ID, id)
	}
	seen := map[string]bool{}
	for _, op := range p.Operations {
		if len(op.Steps) == 0 {
			return fmt.Errorf("plan: operation %s has no steps", op.ID)
		}
		for _, s := range op.Steps {
			if seen[s.ID] || s.ID == "" {
				return fmt.Errorf("plan: step id %q is empty or repeated", s.ID)
			}
			seen[s.ID] = true
			if _, err := parseCall(s.Action, s.Call); err != nil {
				return fmt.Errorf("plan: step %s: %w", s.ID, err)
			}
		}
	}
	return nil
}

// WritePlan writes the plan as indented JSON.
func WritePlan(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
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
			if len(c.Body) > 0 { // the file holds it indented; a call is shown and sent compact
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

// ---- calls ----

const apiPrefix = "/api/v2/"

func apiPath(segments ...string) string {
	esc := make([]string, len(segments))
	for i, s := range segments {
		// As go-auth0 builds its URIs: each segment path-escaped, "/" too.
		esc[i] = strings.ReplaceAll(url.PathEscape(s), "/", "%2F")
	}
	return apiPrefix + strings.Join(esc, "/")
}

// MustJSON is v as compact JSON, as a call body carries it; only JSON values go in.
func MustJSON(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("call body: %v", err)) // only JSON values go in
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// PatchMetadataCall is PATCH /api/v2/users/{id} with the metadata given
// (nil: not sent). It refuses to build a call that sends no metadata.
func PatchMetadataCall(userID string, userMeta, appMeta map[string]any) (Call, error) {
	body := map[string]any{}
	if len(userMeta) > 0 {
		body[FieldUserMetadata] = userMeta
	}
	if len(appMeta) > 0 {
		body[FieldAppMetadata] = appMeta
	}
	if len(body) == 0 {
		return Call{}, errors.New("a metadata PATCH with nothing to send (an empty object would wipe the metadata)")
	}
	return Call{Method: http.MethodPatch, Path: apiPath("users", userID), Body: MustJSON(body)}, nil
}

// LinkCall is POST /api/v2/users/{primary}/identities for the secondary.
func LinkCall(primaryID string, s client.LinkTarget) Call {
	body := map[string]string{"provider": s.Provider, "user_id": s.UserID}
	if s.ConnectionID != "" {
		body["connection_id"] = s.ConnectionID
	}
	return Call{Method: http.MethodPost, Path: apiPath("users", primaryID, "identities"), Body: MustJSON(body)}
}

// UnlinkCall is DELETE /api/v2/users/{primary}/identities/{provider}/{user_id}.
func UnlinkCall(primaryID, provider, userID string) Call {
	return Call{Method: http.MethodDelete, Path: apiPath("users", primaryID, "identities", provider, userID)}
}

// DeleteCall is DELETE /api/v2/users/{id}.
func DeleteCall(userID string) Call {
	return Call{Method: http.MethodDelete, Path: apiPath("users", userID)}
}

// TicketCall is POST /api/v2/tickets/password-change for one user.
func TicketCall(userID string) Call {
	return Call{Method: http.MethodPost, Path: apiPrefix + "tickets/password-change", Body: MustJSON(map[string]string{"user_id": userID})}
}

// parsedCall is a Call read back into the arguments of the client method
// that makes it.
type parsedCall struct {
	user             string // the user the path addresses
	userMeta         map[string]any
	appMeta          map[string]any
	target           client.LinkTarget // link
	provider, unlink string            // unlink: provider and user id of the identity
}

// parseCall reads a step's call back into client arguments, checking that
// it is one of the calls its action makes: the executor sends exactly what
// the plan shows.
func parseCall(action string, c Call) (parsedCall, error) {
	var pc parsedCall
	if !strings.HasPrefix(c.Path, apiPrefix) {
		return pc, fmt.Errorf("call path %q is not under %s", c.Path, apiPrefix)
	}
	var segs []string
	for _, s := range strings.Split(strings.TrimPrefix(c.Path, apiPrefix), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return pc, fmt.Errorf("call path %q: %w", c.Path, err)
		}
		segs = append(segs, u)
	}
	want := func(method string, n int, fixed map[int]string) error {
		if c.Method != method || len(segs) != n {
			return fmt.Errorf("a %s step cannot make the call %s %s", action, c.Method, c.Path)
		}
		for i, s := range fixed {
			if segs[i] != s {
				return fmt.Errorf("a %s step cannot make the call %s %s", action, c.Method, c.Path)
			}
		}
		if segs[1] == "" {
			return fmt.Errorf("call %s %s names no user", c.Method, c.Path)
		}
		pc.user = segs[1]
		return nil
	}
	decode := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(c.Body))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("call body of %s %s: %w", c.Method, c.Path, err)
		}
		return nil
	}
	var err error
	switch action {
	case ActionPatchMetadata:
		if err = want(http.MethodPatch, 2, map[int]string{0: "users"}); err != nil {
			return pc, err
		}
		var body struct {
			User map[string]any `json:"user_metadata"`
			App  map[string]any `json:"app_metadata"`
		}
		if err = decode(&body); err != nil {
			return pc, err
		}
		if len(body.User) == 0 && len(body.App) == 0 {
			return pc, errors.New("a metadata PATCH with nothing to send (an empty object would wipe the metadata)")
		}
		pc.userMeta, pc.appMeta = body.User, body.App
	case ActionLink:
		if err = want(http.MethodPost, 3, map[int]string{0: "users", 2: "identities"}); err != nil {
			return pc, err
		}
		var body struct {
			Provider     string `json:"provider"`
			UserID       string `json:"user_id"`
			ConnectionID string `json:"connection_id"`
		}
		if err = decode(&body); err != nil {
			return pc, err
		}
		if body.Provider == "" || body.UserID == "" {
			return pc, errors.New("a link call must name the secondary's provider and user_id")
		}
		pc.target = client.LinkTarget{Provider: body.Provider, UserID: body.UserID, ConnectionID: body.ConnectionID}
	case ActionUnlink:
		if err = want(http.MethodDelete, 5, map[int]string{0: "users", 2: "identities"}); err != nil {
			return pc, err
		}
		pc.provider, pc.unlink = segs[3], segs[4]
	case ActionDelete:
		if err = want(http.MethodDelete, 2, map[int]string{0: "users"}); err != nil {
			return pc, err
		}
	case ActionTicket:
		if c.Method != http.MethodPost || c.Path != TicketCall("").Path {
			return pc, fmt.Errorf("a %s step cannot make the call %s %s", action, c.Method, c.Path)
		}
		var body struct {
			UserID string `json:"user_id"`
		}
		if err = decode(&body); err != nil {
			return pc, err
		}
		if body.UserID == "" {
			return pc, errors.New("a ticket call must name its user_id")
		}
		pc.user = body.UserID
	default:
		return pc, fmt.Errorf("unknown action %q", action)
	}
	if action != ActionPatchMetadata && action != ActionLink && action != ActionTicket && len(c.Body) > 0 {
		return pc, fmt.Errorf("a %s call has no body", action)
	}
	return pc, nil
}

// nowUTC is the plan's clock.
var nowUTC = func() time.Time { return time.Now().UTC() }
