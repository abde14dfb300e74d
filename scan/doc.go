// Package scan is the export engine: it decodes users-export lines
// (NDJSON, a hand-written decoder fuzzed against encoding/json), keeps each
// account with an email in a compact record, indexes them by normalized
// email, and builds the groups of accounts sharing an email, classified by
// linking, as a report: for a whole tenant through an export job, for one
// address, or for an export file already downloaded.
//
// It imports linking (the domain) and client (the tenant); never a Charm
// package, report or the UI. A caller that wants the collector held off
// while a large report is built says so (Options.HoldCollector); the scan
// never changes process-wide settings on its own.
package scan
