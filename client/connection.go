package client

import (
	"encoding/json"
	"slices"

	"github.com/auth0/go-auth0/management"
)

// Strategies linkdesk tells apart; Auth0 names an identity's provider after
// its connection's strategy.
const (
	StrategyAuth0 = "auth0" // database connections
	StrategySMS   = "sms"   // passwordless by text message
)

// Connection is a connection as linkdesk reads it: what it is called, its
// strategy and, on a database connection, the options that say how its
// users are identified.
type Connection struct {
	ID, Name, Strategy string
	// Options are the database options; other strategies leave them zero.
	Options ConnectionOptions
}

// ConnectionOptions are the options of a database connection (strategy auth0)
// that decide which attributes identify a user.
type ConnectionOptions struct {
	// Attributes is options.attributes (Flexible Identifiers); nil on a legacy
	// connection, which says RequiresUsername instead.
	Attributes       *ConnectionAttributes
	Precedence       []string // options.precedence: identifiers in lookup order
	RequiresUsername bool     // options.requires_username
	CustomDatabase   bool     // options.enabledDatabaseCustomization
	ImportMode       bool     // options.import_mode
}

// ConnectionAttributes are options.attributes, one entry per identifier.
type ConnectionAttributes struct {
	Email       EmailAttribute
	Username    ConnectionAttribute
	PhoneNumber ConnectionAttribute
}

// ConnectionAttribute is one Flexible Identifier's settings.
type ConnectionAttribute struct {
	Active          bool   // identifier.active: users sign in with it
	ProfileRequired bool   // profile_required
	Signup          string // signup.status: "required", "optional" or "inactive"
}

// EmailAttribute is options.attributes.email.
type EmailAttribute struct {
	ConnectionAttribute
	// NonUnique is unique: false, set when a Non-Unique Emails connection is
	// made; unset means unique, Auth0's default.
	NonUnique bool
}

// UnmarshalJSON decodes a connection as GET /api/v2/connections returns it.
func (c *Connection) UnmarshalJSON(data []byte) error {
	var mc management.Connection
	if err := json.Unmarshal(data, &mc); err != nil {
		return err
	}
	*c = connectionFromManagement(&mc)
	return nil
}

// connectionFromManagement reads what linkdesk needs of a connection as
// go-auth0 decodes it. It is nil-safe throughout.
func connectionFromManagement(c *management.Connection) Connection {
	if c == nil {
		return Connection{}
	}
	conn := Connection{ID: c.GetID(), Name: c.GetName(), Strategy: c.GetStrategy()}
	if conn.Strategy == StrategyAuth0 {
		if o := databaseOptions(c.Options); o != nil {
			conn.Options = optionsFromManagement(o)
		}
	}
	return conn
}

// databaseOptions returns the options of an auth0-strategy connection however
// they arrived (typed by go-auth0, or a plain map built by hand).
func databaseOptions(v any) *management.ConnectionOptions {
	switch o := v.(type) {
	case *management.ConnectionOptions:
		return o
	case management.ConnectionOptions:
		return &o
	case nil:
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var o management.ConnectionOptions
	if json.Unmarshal(b, &o) != nil {
		return nil
	}
	return &o
}

func optionsFromManagement(o *management.ConnectionOptions) ConnectionOptions {
	opts := ConnectionOptions{
		Precedence:       slices.Clone(o.GetPrecedence()),
		RequiresUsername: o.GetRequiresUsername(),
		CustomDatabase:   o.GetEnabledDatabaseCustomization(),
		ImportMode:       o.GetImportMode(),
	}
	attrs := o.GetAttributes()
	if attrs == nil {
		return opts
	}
	email := attrs.GetEmail()
	opts.Attributes = &ConnectionAttributes{
		Email: EmailAttribute{
			ConnectionAttribute: attributeFromManagement(email),
			NonUnique:           email != nil && email.Unique != nil && !*email.Unique,
		},
		Username:    attributeFromManagement(attrs.GetUsername()),
		PhoneNumber: attributeFromManagement(attrs.GetPhoneNumber()),
	}
	return opts
}

// sdkAttribute is what go-auth0's three attribute types have in common; their
// getters are nil-safe, so an attribute the tenant left out reads as zero.
type sdkAttribute interface {
	GetIdentifier() *management.ConnectionOptionsAttributeIdentifier
	GetProfileRequired() bool
	GetSignup() *management.ConnectionOptionsAttributeSignup
}

func attributeFromManagement(a sdkAttribute) ConnectionAttribute {
	return ConnectionAttribute{
		Active:          a.GetIdentifier().GetActive(),
		ProfileRequired: a.GetProfileRequired(),
		Signup:          a.GetSignup().GetStatus(),
	}
}
