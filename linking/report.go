package linking

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
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
// first, then by email. It sorts keys that hold what decides most
// comparisons (class, size, the email's first eight bytes) side by side, so
// that a large list is not sorted through a pointer per comparison; a large
// list is sorted in two halves at once, then merged. Emails are unique in a
// report, so the order is total.
func SortGroups(groups []*Group) {
	keys := make([]groupKey, len(groups))
	for i, g := range groups {
		keys[i] = groupKey{rank: uint32(g.Class.rank()), size: uint32(len(g.Accounts)), prefix: emailPrefix(g.Email), g: g}
	}
	if len(keys) < parallelSortMin || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(keys, compareKeys)
	} else {
		a, b := keys[:len(keys)/2], keys[len(keys)/2:]
		var wg sync.WaitGroup
		wg.Go(func() { slices.SortFunc(a, compareKeys) })
		slices.SortFunc(b, compareKeys)
		wg.Wait()
		merged := make([]groupKey, 0, len(keys))
		for len(a) > 0 && len(b) > 0 {
			if compareKeys(b[0], a[0]) < 0 {
				merged, b = append(merged, b[0]), b[1:]
			} else {
				merged, a = append(merged, a[0]), a[1:]
			}
		}
		keys = append(append(merged, a...), b...)
	}
	for i := range keys {
		groups[i] = keys[i].g
	}
}

// parallelSortMin is the length from which SortGroups uses two CPUs.
const parallelSortMin = 1 << 14

type groupKey struct {
	rank, size uint32
	prefix     uint64 // the email's first eight bytes, big-endian, zero-padded
	g          *Group
}

func emailPrefix(s string) uint64 {
	var p uint64
	for i := range 8 {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}

func compareKeys(a, b groupKey) int {
	switch {
	case a.rank != b.rank:
		return cmp.Compare(a.rank, b.rank)
	case a.size != b.size:
		return cmp.Compare(b.size, a.size)
	case a.prefix != b.prefix:
		return cmp.Compare(a.prefix, b.prefix)
	}
	return strings.Compare(a.g.Email, b.g.Email)
}
