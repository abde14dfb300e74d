package linking

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"time"
)

// ReportVersion is the version of the scan report contract (DESIGN.md).
const ReportVersion = 1

// Scan methods, as the report names them.
const (
	MethodExport = "export"
	MethodSearch = "search"
	MethodFile   = "file"
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
	Connection        string // the --connection narrowing, "" for none
	UsersScanned      int
	AccountsWithEmail int
	SkippedLines      int
	LineErrors        []LineError // the first few malformed lines
	Groups            []*Group
}

// LineError is a malformed export line, skipped.
type LineError struct {
	Line  int64  // 1-based
	Error string // what is wrong, with the column
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
// first, then by email. A large list is sorted in two halves at once, then
// merged; emails are unique in a report, so the order is total.
func SortGroups(groups []*Group) {
	if len(groups) < parallelSortMin || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(groups, compareGroups)
		return
	}
	a, b := groups[:len(groups)/2], groups[len(groups)/2:]
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(a, compareGroups) })
	slices.SortFunc(b, compareGroups)
	wg.Wait()
	merged := make([]*Group, 0, len(groups))
	for len(a) > 0 && len(b) > 0 {
		if compareGroups(b[0], a[0]) < 0 {
			merged, b = append(merged, b[0]), b[1:]
		} else {
			merged, a = append(merged, a[0]), a[1:]
		}
	}
	merged = append(append(merged, a...), b...)
	copy(groups, merged)
}

// parallelSortMin is the length from which SortGroups uses two CPUs.
const parallelSortMin = 1 << 14

func compareGroups(a, b *Group) int {
	return cmp.Or(
		cmp.Compare(a.Class.rank(), b.Class.rank()),
		cmp.Compare(len(b.Accounts), len(a.Accounts)),
		cmp.Compare(a.Email, b.Email),
	)
}
