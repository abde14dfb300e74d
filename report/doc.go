// Package report writes what linkdesk found and what it would do: the scan
// report as a table, as JSON (version 1 of ARCHITECTURE.md's contract, streamed)
// and as CSV, and a plan or its operations as text. Every tenant string goes
// through termsafe on its way out.
//
// It imports linking and termsafe; never a Charm package or the UI.
package report
