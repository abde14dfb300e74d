package client

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/auth0/go-auth0/management"
)

// Role is one RBAC role of a user.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Organization is one organization a user is a member of.
type Organization struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name,omitempty"`
}

// Label names the organization as people see it: its display name, else
// its name, else its id.
func (o Organization) Label() string { return cmp.Or(o.DisplayName, o.Name, o.ID) }

// Job is an asynchronous job of the tenant (a verification email).
type Job struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at,omitempty"`
}

// VerificationEmail asks for the verification email of one account; the
// identity narrows it to one of the user's identities (a linked one).
type VerificationEmail struct {
	UserID   string
	ClientID string      // optional: the application whose settings the email uses
	Identity *LinkTarget // optional
}

// listPerPage is the page size of the role and organization lists.
const listPerPage = 50

// list reads every page of a list the Management API pages with
// page/per_page/include_totals: the items under key of each.
func list[T any](ctx context.Context, t *tenant, uri, key string) ([]T, error) {
	var out []T
	for page := 0; ; page++ {
		var body map[string]json.RawMessage
		err := t.call(ctx, http.MethodGet, uri, nil, &body,
			management.Parameter("page", strconv.Itoa(page)),
			management.Parameter("per_page", strconv.Itoa(listPerPage)),
			management.Parameter("include_totals", "true"))
		if err != nil {
			return out, err
		}
		var items []T
		if raw := body[key]; len(raw) > 0 {
			if err := json.Unmarshal(raw, &items); err != nil {
				return out, fmt.Errorf("GET %s: decoding %s: %w", uri, key, err)
			}
		}
		out = append(out, items...)
		total := looseInt(body["total"])
		if len(items) < listPerPage || (page+1)*listPerPage >= int(total) {
			return out, nil
		}
	}
}

// changeIDs adds (POST) or removes (DELETE) the ids listed under key at uri.
// Assigning a role the user holds, or adding a member who is one already,
// changes nothing, and so does removing one twice: safe to repeat.
func (t *tenant) changeIDs(ctx context.Context, method, uri, key string, ids []string) error {
	if err := t.writeAllowed(); err != nil {
		return err
	}
	return t.call(withRetryable(ctx), method, uri, map[string][]string{key: ids}, nil)
}

func (t *tenant) UserRoles(ctx context.Context, userID string) ([]Role, error) {
	return list[Role](ctx, t, t.m.URI("users", userID, "roles"), "roles")
}

func (t *tenant) AssignRoles(ctx context.Context, userID string, roleIDs []string) error {
	return t.changeIDs(ctx, http.MethodPost, t.m.URI("users", userID, "roles"), "roles", roleIDs)
}

func (t *tenant) RemoveRoles(ctx context.Context, userID string, roleIDs []string) error {
	return t.changeIDs(ctx, http.MethodDelete, t.m.URI("users", userID, "roles"), "roles", roleIDs)
}

func (t *tenant) UserOrganizations(ctx context.Context, userID string) ([]Organization, error) {
	return list[Organization](ctx, t, t.m.URI("users", userID, "organizations"), "organizations")
}

func (t *tenant) AddOrganizationMembers(ctx context.Context, orgID string, userIDs []string) error {
	return t.changeIDs(ctx, http.MethodPost, t.m.URI("organizations", orgID, "members"), "members", userIDs)
}

func (t *tenant) RemoveOrganizationMembers(ctx context.Context, orgID string, userIDs []string) error {
	return t.changeIDs(ctx, http.MethodDelete, t.m.URI("organizations", orgID, "members"), "members", userIDs)
}

func (t *tenant) SendVerificationEmail(ctx context.Context, req VerificationEmail) (Job, error) {
	if err := t.writeAllowed(); err != nil {
		return Job{}, err
	}
	body := map[string]any{"user_id": req.UserID}
	if req.ClientID != "" {
		body["client_id"] = req.ClientID
	}
	if req.Identity != nil {
		body["identity"] = map[string]string{"provider": req.Identity.Provider, "user_id": req.Identity.UserID}
	}
	var j Job
	// Not repeated on its own: a second job sends a second email.
	err := t.call(ctx, http.MethodPost, t.m.URI("jobs", "verification-email"), body, &j)
	return j, err
}
