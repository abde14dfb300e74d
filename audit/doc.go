// Package audit keeps linkdesk's records on disk: the append-only audit log
// (one JSON line per write attempt and per result), the backups of user
// objects written before a delete or a link, and the journal that lets an
// interrupted apply resume without performing any step twice.
//
// Every file is created 0600 in directories created 0700 (an existing log,
// journal or lock open to other users is made 0600 as it is opened, or
// refused when it cannot be: openPrivate), every write is
// fsync'd before the function returns, and nothing this package writes may
// carry a token or a secret: see RegisterSecret and Scrub. A backup keeps
// the tenant's data as it was (only registered secrets and the values of
// credential-named keys outside the metadata are replaced), since an undo
// writes it back; the audit log also scrubs what looks like a credential.
//
// It uses the standard library only and must not import any linkdesk package.
package audit
