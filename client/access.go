package client

import (
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

// pages reads every page of a list the Management API pages with
// page/per_page/include_totals, appending what each page holds.
func pages[T any](ctx context.Context, t *tenant, uri, key string, add func([]T)) error {
	for page := 0; ; page++ {
		var body map[string]json.RawMessage
		err := t.call(ctx, http.MethodGet, uri, nil, &body,
			management.Parameter("page", strconv.Itoa(page)),
			management.Parameter("per_page", strconv.Itoa(listPerPage)),
			management.Parameter("include_totals", "true"))
		if err != nil {
			return err
		}
		var items []T
		if raw := body[key]; len(raw) > 0 {
			if err := json.Unmarshal(raw, &items); err != nil {
				return fmt.Errorf("GET %s: decoding %s: %w", uri, key, err)
			}
		}
		add(items)
		total := looseInt(body["total"])
		if len(items) < listPerPage || (page+1)*listPerPage >= int(total) {
			return nil
		}
	}
}

func (t *tenant) UserRoles(ctx context.Context, userID string) ([]Role, error) {
	var out []Role
	err := pages(ctx, t, t.m.URI("users", userID, "roles"), "roles", func(r []Role) { out = append(out, r...) })
	return out, err
}

func (t *tenant) AssignRoles(ctx context.Context, userID string, roleIDs []string) error {
	if err := t.writeAllowed(); err != nil {
		return err
	}
	// Assigning a role the user holds changes nothing: safe to repeat.
	return t.call(withRetryable(ctx), http.MethodPost, t.m.URI("users", userID, "roles"), map[string][]string{"roles": roleIDs}, nil)
}

func (t *tenant) RemoveRoles(ctx context.Context, userID string, roleIDs []string) error {
	if err := t.writeAllowed(); err != nil {
		return err
	}
	return t.call(withRetryable(ctx), http.MethodDelete, t.m.URI("users", userID, "roles"), map[string][]string{"roles": roleIDs}, nil)
}

func (t *tenant) UserOrganizations(ctx context.Context, userID string) ([]Organization, error) {
	var out []Organization
	err := pages(ctx, t, t.m.URI("users", userID, "organizations"), "organizations", func(o []Organization) { out = append(out, o...) })
	return out, err
}

func (t *tenant) AddOrganizationMembers(ctx context.Context, orgID string, userIDs []string) error {
	if err := t.writeAllowed(); err != nil {
		return err
	}
	// Adding a member who is one already changes nothing: safe to repeat.
	return t.call(withRetryable(ctx), http.MethodPost, t.m.URI("organizations", orgID, "members"), map[string][]string{"members": userIDs}, nil)
}

func (t *tenant) RemoveOrganizationMembers(ctx context.Context, orgID string, userIDs []string) error {
	if err := t.writeAllowed(); err != nil {
		return err
	}
	return t.call(withRetryable(ctx), http.MethodDelete, t.m.URI("organizations", orgID, "members"), map[string][]string{"members": userIDs}, nil)
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
