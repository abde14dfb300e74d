package linking

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/linkdesk/linkdesk/client"
)

// The calls of every operation kind, derived from the operation's fields
// alone: what a plan shows, what Validate holds its stored calls to, and
// what the executor sends.

// stepCall is one call of an operation: the request as shown and recorded,
// the client arguments that send it, and the users it changes.
type stepCall struct {
	Action  string
	Call    Call
	args    callArgs
	touches []touch
}

// callArgs are the arguments of the client method that makes a call.
type callArgs struct {
	user             string // the user the call is about
	userMeta         map[string]any
	appMeta          map[string]any
	target           client.LinkTarget // link
	provider, unlink string            // unlink: provider and user id of the identity
	roles            []string          // role ids
	org              string            // organization id
	ticket           client.TicketOptions
	verify           client.VerificationEmail
	create           *client.NewUser
	randomPassword   bool
	blocked          bool
}

// touch is a user a call changes, and whether it must exist just before.
type touch struct {
	user   string
	exists bool
}

// removes is the user the call ends: a deletion's target, a link's
// secondary ("" for any other call).
func (c stepCall) removes() string {
	switch c.Action {
	case ActionDelete:
		return c.args.user
	case ActionLink:
		return c.args.target.Provider + "|" + c.args.target.UserID
	}
	return ""
}

// deriveOp returns the calls op makes, in order.
func deriveOp(op Operation) ([]stepCall, error) {
	var out []stepCall
	switch op.Kind {
	case OpLink:
		if op.Primary == "" || op.Secondary == "" {
			return nil, errors.New("a link names its primary and its secondary")
		}
		provider, id, ok := strings.Cut(op.Secondary, "|")
		if !ok || provider == "" || id == "" {
			return nil, fmt.Errorf("secondary %q is not a provider|id user id", op.Secondary)
		}
		if op.Merge != nil {
			before, ok := op.stateBefore(op.Primary)
			if !ok {
				return nil, errors.New("the primary's state before the merge is not in the plan")
			}
			upatch := MetadataPatch(before.UserMetadata, op.Merge.UserMetadata)
			apatch := MetadataPatch(before.AppMetadata, op.Merge.AppMetadata)
			if upatch != nil || apatch != nil {
				out = append(out, patchCall(op.Primary, upatch, apatch))
			}
		}
		if len(op.Roles) > 0 {
			out = append(out, rolesCall(ActionAssignRoles, op.Primary, op.Roles))
		}
		for _, o := range op.Organizations {
			out = append(out, memberCall(ActionAddMember, o.ID, op.Primary))
		}
		target := client.LinkTarget{Provider: provider, UserID: id, ConnectionID: op.ConnectionID}
		out = append(out, stepCall{Action: ActionLink, Call: LinkCall(op.Primary, target),
			args:    callArgs{user: op.Primary, target: target},
			touches: []touch{{op.Primary, true}, {op.Secondary, true}}})
	case OpUnlink:
		provider, id, ok := strings.Cut(op.Secondary, "|")
		if op.Primary == "" || !ok || provider == "" || id == "" {
			return nil, errors.New("an unlink names its primary and the identity as provider|user_id")
		}
		out = append(out, stepCall{Action: ActionUnlink, Call: UnlinkCall(op.Primary, provider, id),
			args:    callArgs{user: op.Primary, provider: provider, unlink: id},
			touches: []touch{{op.Primary, true}, {op.Secondary, false}}})
		if op.KeepBlocked {
			out = append(out, blockedCall(op.Secondary, true))
		}
	case OpDelete:
		if op.Target == "" {
			return nil, errors.New("a deletion names its target")
		}
		out = append(out, stepCall{Action: ActionDelete, Call: DeleteCall(op.Target),
			args: callArgs{user: op.Target}, touches: []touch{{op.Target, true}}})
	case OpTicket:
		if op.Target == "" {
			return nil, errors.New("a ticket names its user")
		}
		var opts client.TicketOptions
		if op.Ticket != nil {
			opts = *op.Ticket
		}
		if opts.ClientID != "" && opts.ResultURL != "" {
			return nil, errors.New("a ticket takes a client id or a result URL, not both")
		}
		out = append(out, stepCall{Action: ActionTicket, Call: TicketCall(op.Target, opts),
			args: callArgs{user: op.Target, ticket: opts}, touches: []touch{{op.Target, true}}})
	case OpVerifyEmail:
		if op.Target == "" {
			return nil, errors.New("a verification email names its user")
		}
		req := client.VerificationEmail{UserID: op.Target}
		if v := op.Verify; v != nil {
			req.ClientID = v.ClientID
			if v.Identity != nil {
				req.Identity = &client.LinkTarget{Provider: v.Identity.Provider, UserID: v.Identity.UserID}
			}
		}
		out = append(out, stepCall{Action: ActionVerifyEmail, Call: VerifyEmailCall(req),
			args: callArgs{user: op.Target, verify: req}, touches: []touch{{op.Target, true}}})
	case OpRestore:
		r := op.Restore
		if op.Target == "" || r == nil {
			return nil, errors.New("a restore names its user and what it restores")
		}
		if c := r.Create; c != nil {
			call, err := CreateUserCall(op.Target, *c)
			if err != nil {
				return nil, err
			}
			nu := *c
			out = append(out, stepCall{Action: ActionCreateUser, Call: call,
				args: callArgs{user: op.Target, create: &nu, randomPassword: r.RandomPassword}, touches: []touch{{op.Target, false}}})
		}
		if len(r.UserMetadata) > 0 || len(r.AppMetadata) > 0 {
			out = append(out, patchCall(op.Target, r.UserMetadata, r.AppMetadata))
		}
		if r.Blocked != nil {
			out = append(out, blockedCall(op.Target, *r.Blocked))
		}
		if len(r.AddRoles) > 0 {
			out = append(out, rolesCall(ActionAssignRoles, op.Target, r.AddRoles))
		}
		if len(r.RemoveRoles) > 0 {
			out = append(out, rolesCall(ActionRemoveRoles, op.Target, r.RemoveRoles))
		}
		for _, o := range r.AddOrganizations {
			out = append(out, memberCall(ActionAddMember, o.ID, op.Target))
		}
		for _, o := range r.RemoveOrganizations {
			out = append(out, memberCall(ActionRemoveMember, o.ID, op.Target))
		}
		if len(out) == 0 {
			return nil, errors.New("a restore with nothing to restore")
		}
	default:
		return nil, fmt.Errorf("unknown operation kind %q", op.Kind)
	}
	for _, c := range out {
		if c.args.user == "" {
			return nil, fmt.Errorf("the call %s names no user", c.Call)
		}
	}
	return out, nil
}

// stateBefore is the state the operation's first step expects of a user:
// its metadata merge's step, first as planned, wherever an edit moved it
// (the plan is then refused naming the step out of place, not for a
// count of calls that a merge read from the wrong step would make).
func (op Operation) stateBefore(id string) (UserState, bool) {
	if len(op.Steps) == 0 {
		return UserState{}, false
	}
	first := op.Steps[0]
	if i := slices.IndexFunc(op.Steps, func(s Step) bool { return s.Action == ActionPatchMetadata }); i > 0 {
		first = op.Steps[i]
	}
	for _, u := range first.Expect {
		if u.UserID == id {
			return u, true
		}
	}
	return UserState{}, false
}

func patchCall(user string, um, am map[string]any) stepCall {
	body := map[string]any{}
	if len(um) > 0 {
		body[FieldUserMetadata] = um
	}
	if len(am) > 0 {
		body[FieldAppMetadata] = am
	}
	return stepCall{Action: ActionPatchMetadata, Call: Call{Method: http.MethodPatch, Path: apiPath("users", user), Body: MustJSON(body)},
		args: callArgs{user: user, userMeta: um, appMeta: am}, touches: []touch{{user, true}}}
}

func blockedCall(user string, blocked bool) stepCall {
	return stepCall{Action: ActionSetBlocked, Call: Call{Method: http.MethodPatch, Path: apiPath("users", user), Body: MustJSON(map[string]bool{"blocked": blocked})},
		args: callArgs{user: user, blocked: blocked}, touches: []touch{{user, true}}}
}

func roleIDs(roles []client.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = r.ID
	}
	return out
}

func rolesCall(action, user string, roles []client.Role) stepCall {
	method := http.MethodPost
	if action == ActionRemoveRoles {
		method = http.MethodDelete
	}
	ids := roleIDs(roles)
	return stepCall{Action: action, Call: Call{Method: method, Path: apiPath("users", user, "roles"), Body: MustJSON(map[string][]string{"roles": ids})},
		args: callArgs{user: user, roles: ids}, touches: []touch{{user, true}}}
}

func memberCall(action, org, user string) stepCall {
	method := http.MethodPost
	if action == ActionRemoveMember {
		method = http.MethodDelete
	}
	return stepCall{Action: action, Call: Call{Method: method, Path: apiPath("organizations", org, "members"), Body: MustJSON(map[string][]string{"members": {user}})},
		args: callArgs{user: user, org: org}, touches: []touch{{user, true}}}
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
	if len(userMeta) == 0 && len(appMeta) == 0 {
		return Call{}, errors.New("a metadata PATCH with nothing to send (an empty object would wipe the metadata)")
	}
	return patchCall(userID, userMeta, appMeta).Call, nil
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
func TicketCall(userID string, opts client.TicketOptions) Call {
	body := map[string]any{"user_id": userID}
	if opts.TTLSec > 0 {
		body["ttl_sec"] = opts.TTLSec
	}
	if opts.ClientID != "" {
		body["client_id"] = opts.ClientID
	}
	if opts.ResultURL != "" {
		body["result_url"] = opts.ResultURL
	}
	if opts.MarkEmailVerified {
		body["mark_email_as_verified"] = true
	}
	return Call{Method: http.MethodPost, Path: apiPrefix + "tickets/password-change", Body: MustJSON(body)}
}

// VerifyEmailCall is POST /api/v2/jobs/verification-email for one account.
func VerifyEmailCall(req client.VerificationEmail) Call {
	body := map[string]any{"user_id": req.UserID}
	if req.ClientID != "" {
		body["client_id"] = req.ClientID
	}
	if req.Identity != nil {
		body["identity"] = map[string]string{"provider": req.Identity.Provider, "user_id": req.Identity.UserID}
	}
	return Call{Method: http.MethodPost, Path: apiPrefix + "jobs/verification-email", Body: MustJSON(body)}
}

// CreateUserCall is POST /api/v2/users re-creating the user userID (which
// must be nu's connection strategy, a "|" and nu.UserID). The password is
// never part of it: the executor sends a random one.
func CreateUserCall(userID string, nu client.NewUser) (Call, error) {
	if nu.Connection == "" || nu.UserID == "" || !strings.HasSuffix(userID, "|"+nu.UserID) {
		return Call{}, fmt.Errorf("re-creating %s needs its connection and the id %q after the provider", userID, nu.UserID)
	}
	nu.Password = ""
	return Call{Method: http.MethodPost, Path: apiPrefix + "users", Body: MustJSON(nu)}, nil
}
