// Package termsafe is the one owner of what a terminal or a spreadsheet must
// not receive from a tenant's strings: escape sequences, control, bidi and
// zero-width characters, invalid UTF-8, and cells a spreadsheet would run as
// formulas. The TUI draws through Sanitize, the command line's text through
// Printable and DisplayJSON, JSON output through TerminalJSON, and CSV
// cells through CSVCell.
//
// It is a leaf: standard library only, no linkdesk package, no Charm package.
package termsafe
