// Package client is linkdesk's one door to the Auth0 Management API. It talks
// through the real go-auth0 v1 SDK, paces itself from the x-ratelimit-*
// headers, retries only what is safe to repeat, and returns typed errors that
// keep Auth0's errorCode.
//
// It must not import linkdesk's linking, tui or views packages.
package client

import (
	"context"
	"io"
	"os"
	"time"
)

// Tenant is everything linkdesk asks of an Auth0 tenant.
type Tenant interface {
	// Domain is the tenant's domain as configured (scheme stripped).
	Domain() string

	// Connections lists every connection with the options linkdesk reads.
	Connections(ctx context.Context) ([]Connection, error)

	// ExportUsers runs a users-export job and returns the decompressed NDJSON
	// stream, one user per line. The stream is read as it downloads; progress
	// (may be nil) hears about the job and the bytes read.
	ExportUsers(ctx context.Context, req ExportRequest, progress func(ExportProgress)) (io.ReadCloser, error)

	// UsersByEmail returns every account with this address: users-by-email
	// (case-sensitive, consistent) merged by user_id with a case-insensitive
	// email search (which catches mixed-case social accounts).
	UsersByEmail(ctx context.Context, email string) ([]User, error)

	// User reads one user (consistent). A missing user is an *Error with
	// NotFound() true.
	User(ctx context.Context, id string) (User, error)

	// UpdateMetadata PATCHes user_metadata and/or app_metadata (nil leaves one
	// untouched). Auth0 merges one level deep; a nil value removes a key.
	UpdateMetadata(ctx context.Context, id string, userMetadata, appMetadata map[string]any) (User, error)

	// SetBlocked blocks the user's logins, or lets them in again.
	SetBlocked(ctx context.Context, id string, blocked bool) (User, error)

	// Link links secondary into primary and returns the primary's identities.
	// An answer lost in transit is resolved by reading the primary again
	// (found made, WithReadBack hears of it).
	Link(ctx context.Context, primaryID string, secondary LinkTarget) ([]Identity, error)

	// Unlink detaches provider|userID from primary and returns the remaining
	// identities. A lost answer is resolved as Link's is.
	Unlink(ctx context.Context, primaryID, provider, userID string) ([]Identity, error)

	// DeleteUser deletes a user. Auth0 answers 204 even for unknown ids.
	DeleteUser(ctx context.Context, id string) error

	// PasswordChangeTicket returns a password-change ticket URL for one user.
	PasswordChangeTicket(ctx context.Context, userID string, opts TicketOptions) (string, error)

	// CreateUser creates a user on a database or passwordless connection,
	// with the user_id asked for when NewUser.UserID is set, and returns it
	// as the tenant answered.
	CreateUser(ctx context.Context, u NewUser) (User, error)

	// UserRoles lists the user's RBAC roles (every page).
	UserRoles(ctx context.Context, userID string) ([]Role, error)

	// AssignRoles gives the user the roles with these ids.
	AssignRoles(ctx context.Context, userID string, roleIDs []string) error

	// RemoveRoles takes the roles with these ids from the user.
	RemoveRoles(ctx context.Context, userID string, roleIDs []string) error

	// UserOrganizations lists the organizations the user is a member of.
	UserOrganizations(ctx context.Context, userID string) ([]Organization, error)

	// AddOrganizationMembers makes the users members of the organization.
	AddOrganizationMembers(ctx context.Context, orgID string, userIDs []string) error

	// RemoveOrganizationMembers ends the users' membership of the organization.
	RemoveOrganizationMembers(ctx context.Context, orgID string, userIDs []string) error

	// SendVerificationEmail starts a verification-email job for one account.
	SendVerificationEmail(ctx context.Context, req VerificationEmail) (Job, error)

	// RateLimit is the last rate-limit state the tenant reported.
	RateLimit() RateLimit

	// GrantedScopes are the scopes of the access token the calls carry,
	// from the token's own scope claim, once a call has carried one; known
	// is false before that, or for a token that is no JWT with that claim.
	GrantedScopes() (scopes []string, known bool)

	// SandboxRun is the run a linkdesk sandbox tenant named in its last
	// answer (the SandboxRunHeader of any answer, an error's too): "" for
	// Auth0, which sends none, and before any answer. A sandbox tenant
	// lives in memory, so each run is a tenant of its own, even at the same
	// address.
	SandboxRun() string
}

// LinkTarget names the secondary account of a link.
type LinkTarget struct {
	Provider     string // e.g. "google-oauth2"
	UserID       string // without the provider prefix
	ConnectionID string // optional
}

// TicketOptions adjust a password-change ticket.
type TicketOptions struct {
	// TTLSec is the ticket's lifetime in seconds (0: the tenant's default).
	TTLSec int `json:"ttl_sec,omitempty"`
	// ClientID sends the person to that application's login once the
	// password is set; it conflicts with ResultURL.
	ClientID string `json:"client_id,omitempty"`
	// ResultURL is where the person lands once the password is set.
	ResultURL string `json:"result_url,omitempty"`
	// MarkEmailVerified sets email_verified once the ticket is used.
	MarkEmailVerified bool `json:"mark_email_as_verified,omitempty"`
}

// NewUser is a user to create: what POST /api/v2/users takes. Password is
// sent and never kept; UserID is the id without the provider prefix.
type NewUser struct {
	Connection    string         `json:"connection"`
	UserID        string         `json:"user_id,omitempty"`
	Email         string         `json:"email,omitempty"`
	EmailVerified *bool          `json:"email_verified,omitempty"`
	Username      string         `json:"username,omitempty"`
	PhoneNumber   string         `json:"phone_number,omitempty"`
	PhoneVerified *bool          `json:"phone_verified,omitempty"`
	Name          string         `json:"name,omitempty"`
	GivenName     string         `json:"given_name,omitempty"`
	FamilyName    string         `json:"family_name,omitempty"`
	Nickname      string         `json:"nickname,omitempty"`
	Picture       string         `json:"picture,omitempty"`
	Blocked       *bool          `json:"blocked,omitempty"`
	UserMetadata  map[string]any `json:"user_metadata,omitempty"`
	AppMetadata   map[string]any `json:"app_metadata,omitempty"`
	VerifyEmail   *bool          `json:"verify_email,omitempty"`
	Password      string         `json:"password,omitempty"`
}

// ExportRequest configures a users-export job.
type ExportRequest struct {
	ConnectionID string   // empty: the whole tenant
	Fields       []string // empty: DefaultExportFields
	Limit        int      // 0: no limit
	// Keep, when set, receives the export file as it downloads (gzip, as
	// the tenant sends it), whole: a download that starts again empties it
	// first. A failure to write to it stops the copy (Keep.Err), never the
	// export.
	Keep *ExportCopy
}

// ExportCopy is a file that keeps a copy of an export's download.
type ExportCopy struct {
	File *os.File
	Err  error // the first write error; the copy is then incomplete
}

// reset empties the copy for a download that starts again.
func (c *ExportCopy) reset() {
	if c.Err != nil {
		return
	}
	if err := c.File.Truncate(0); err != nil {
		c.Err = err
		return
	}
	_, c.Err = c.File.Seek(0, io.SeekStart)
}

func (c *ExportCopy) Write(p []byte) (int, error) {
	if c.Err == nil {
		_, c.Err = c.File.Write(p)
	}
	return len(p), nil
}

// DefaultExportFields are the fields a scan needs.
var DefaultExportFields = []string{
	"user_id", "email", "email_verified", "username", "phone_number", "name",
	"identities", "logins_count", "last_login", "created_at", "updated_at",
	"blocked",
}

// ExportProgress reports a running export.
type ExportProgress struct {
	JobID     string
	Status    string // pending, processing, completed, failed, downloading
	Percent   int    // percentage_done as the job reports it
	BytesRead int64  // decompressed bytes handed to the reader so far
	Lines     int64  // complete lines handed to the reader so far
}

// RateLimit is a snapshot of the tenant's rate-limit bucket.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time
	Known     bool      // false until a response carried the headers
	Waiting   bool      // a call is waiting for the bucket to refill
	Seen429   int64     // 429 answers absorbed so far
	UpdatedAt time.Time // when the snapshot was taken
}
