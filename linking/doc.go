// Package linking is linkdesk's domain: it decides which accounts of a tenant
// are one person's duplicates, who each account is (its primary identifier)
// and what should happen to each group of accounts sharing an email.
//
// This file set is the read-only half: email normalization, connection
// settings, the streaming scanner over users-export NDJSON, classification,
// the recommended primary and the scan report in JSON, CSV and table form.
// The package does no I/O of its own: callers hand it readers, writers and
// already-fetched connections.
//
// It may import client, whose own types stand between it and go-auth0; it must
// never import go-auth0, Charm packages, the emulator (tests excepted) or
// anything of the UI.
package linking
