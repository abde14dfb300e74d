// Package linking is linkdesk's domain: it decides which accounts of a tenant
// are one person's duplicates, who each account is (its primary identifier)
// and what should happen to each group of accounts sharing an email.
//
// It holds email normalization, accounts and connection settings,
// classification and the recommended primary, the metadata merge, the
// safety checks, plans (link, unlink, delete, ticket) and the Executor that
// carries a plan out through client.Tenant, on the record (audit log,
// backups, journal). It does no I/O of its own beyond those it is handed.
//
// It may import client (whose own types stand between it and go-auth0) and
// audit; never go-auth0, a Charm package, scan, report, session, the
// emulator (tests excepted) or anything of the UI.
package linking
