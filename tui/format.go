package tui

import (
	"strconv"
	"strings"
	"time"
)

// Bar draws a bar of width cells filled to fraction (0–1).
func Bar(width int, fraction float64) string {
	if width <= 0 {
		return ""
	}
	fraction = min(max(fraction, 0), 1)
	full := int(fraction*float64(width) + 0.5)
	if full == 0 && fraction > 0 {
		full = 1 // a non-zero count never draws as nothing
	}
	return strings.Repeat("█", full) + strings.Repeat("░", width-full)
}

// Count writes n with thousands separators: 100,000.
func Count(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + Count(-n)
	}
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Day writes a date, or "never"/"unknown" for a zero time.
func Day(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.UTC().Format(time.DateOnly)
}

// Ago says how long before now t was, roughly: "3d ago", "5h ago".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + "h ago"
	case d < 365*24*time.Hour:
		return strconv.Itoa(int(d.Hours()/24)) + "d ago"
	}
	return strconv.Itoa(int(d.Hours()/24/365)) + "y ago"
}

// Plural is one or many after n.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Age says how long ago, in the largest whole unit: "40s", "12m", "3h", "2d".
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(max(int(d/time.Second), 0)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// ShortCount writes n in at most four characters and a unit: 999,
// 1.2k, 300k, 4.5M.
func ShortCount(n int) string {
	switch {
	case n < 0:
		return "-" + ShortCount(-n)
	case n < 1000:
		return strconv.Itoa(n)
	case n < 10_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + "k"
	case n < 999_500:
		return strconv.Itoa((n+500)/1000) + "k"
	case n < 10_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
	}
	return strconv.Itoa((n+500_000)/1_000_000) + "M"
}
