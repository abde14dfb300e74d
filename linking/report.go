package linking

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// ReportVersion is the version of the scan report contract (ARCHITECTURE.md).
const ReportVersion = 1

// Scan methods, as the report names them.
const (
	MethodExport = "export"
	MethodSearch = "search"
	MethodFile   = "file"
	// MethodIncremental is a snapshot of the tenant brought up to date with
	// what changed since (searches and the tenant's log), without an export.
	MethodIncremental = "incremental"
	// MethodSnapshot is the snapshot alone, read from disk before it is
	// brought up to date: what the terminal UI shows first.
	MethodSnapshot = "snapshot"
)

// ReportMeta is what the caller knows of a scan that the scanner does not.
type ReportMeta struct {
	Tenant    string
	ScannedAt time.Time
	Method    string // MethodExport, MethodSearch or MethodFile
}

// Report is the result of a scan: the groups of accounts sharing an email,
// classified, in report order.
type Report struct {
	Version           int
	Tenant            string
	ScannedAt         time.Time
	Method            string
	APICalls          int    // Management API requests the scan made; 0 when it made none or did not count
	Connection        string // the --connection narrowing, "" for none
	UsersScanned      int
	AccountsWithEmail int
	SkippedLines      int
	LineErrors        []LineError // the first few malformed lines
	// AccountsWithUnusableEmail are the accounts that hold an email (their
	// own or a linked identity's) and none the scan can group by
	// (EmailProblem): not in AccountsWithEmail, nor in any group.
	AccountsWithUnusableEmail int
	UnusableEmails            []UnusableEmail // the first few of them, by user id
	Groups                    []*Group
	// Single are the accounts a scan of one address found alone on it (no
	// group to form): a search for an email reports them too.
	Single []*Account
	// Email is the address a scan of one email asked for; "" for others.
	Email string
}

// LineError is a malformed export line, skipped.
type LineError struct {
	Line  int64  // 1-based
	Error string // what is wrong, with the column
}

// UnusableEmail is an account with an email the scan cannot group by.
type UnusableEmail struct {
	UserID string // the account
	Email  string // the email as read
	Error  string // why it groups with nothing (EmailProblem)
}

// Counts returns how many groups each class has; every class is present.
func (r *Report) Counts() map[Class]int {
	counts := make(map[Class]int, len(Classes))
	for _, c := range Classes {
		counts[c] = 0
	}
	for _, g := range r.Groups {
		counts[g.Class]++
	}
	return counts
}

// SortGroups puts groups in report order: by class, then larger groups
// first, then by email. Emails are unique in a report, so the order is
// total.
func SortGroups(groups []*Group) {
	keys := make([]orderKey, len(groups))
	for i, g := range groups {
		keys[i] = keyOf(g.Class.rank(), len(g.Accounts), g.Email, i)
	}
	sortKeys(keys)
	sorted := make([]*Group, len(groups))
	for i, k := range keys {
		sorted[i] = groups[k.i]
	}
	copy(groups, sorted)
}

// orderKey is what report order compares, side by side in one slice, so
// that sorting a large report does not follow a pointer per comparison: the
// first eight bytes of the email decide most ties of class and size.
type orderKey struct {
	rank, size uint32
	prefix     uint64 // the email's first eight bytes, big-endian, zero-padded
	email      string
	i          int // the position of what is sorted
}

func keyOf(rank, size int, email string, i int) orderKey {
	k := orderKey{rank: uint32(rank), size: uint32(size), email: email, i: i}
	for j := range 8 {
		k.prefix <<= 8
		if j < len(email) {
			k.prefix |= uint64(email[j])
		}
	}
	return k
}

func compareKeys(a, b orderKey) int {
	switch {
	case a.rank != b.rank:
		return cmp.Compare(a.rank, b.rank)
	case a.size != b.size:
		return cmp.Compare(b.size, a.size)
	case a.prefix != b.prefix:
		return cmp.Compare(a.prefix, b.prefix)
	}
	return strings.Compare(a.email, b.email)
}

// sortKeys sorts keys; a large slice in two halves at once, then merged.
func sortKeys(keys []orderKey) {
	if len(keys) < parallelSortMin || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(keys, compareKeys)
		return
	}
	a, b := keys[:len(keys)/2], keys[len(keys)/2:]
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(a, compareKeys) })
	slices.SortFunc(b, compareKeys)
	wg.Wait()
	merged := make([]orderKey, 0, len(keys))
	for len(a) > 0 && len(b) > 0 {
		if compareKeys(b[0], a[0]) < 0 {
			merged, b = append(merged, b[0]), b[1:]
		} else {
			merged, a = append(merged, a[0]), a[1:]
		}
	}
	copy(keys, append(append(merged, a...), b...))
}

// parallelSortMin is the length from which sortKeys uses two CPUs.
const parallelSortMin = 1 << 14
