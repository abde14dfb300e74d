package scan

import "time"

// stamp is a timestamp as Unix nanoseconds; 0 means unknown (a time exactly
// at the epoch is kept one nanosecond later). Eight bytes instead of
// time.Time's twenty-four, for a million accounts held at once.
type stamp int64

func stampOf(t time.Time) stamp {
	if t.IsZero() || t.Year() < 1678 || t.Year() > 2261 {
		return 0
	}
	if ns := t.UnixNano(); ns != 0 {
		return stamp(ns)
	}
	return 1
}

func (s stamp) time() time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(s)).UTC()
}

// parseStamp reads an RFC 3339 timestamp. Auth0's own layout
// (2006-01-02T15:04:05.000Z) takes a fast path; every other form goes
// through time.Parse, so both agree with client's decoding.
func parseStamp(b []byte) stamp {
	if s, ok := parseAuth0Time(b); ok {
		return s
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return 0
	}
	return stampOf(t)
}

// parseAuth0Time handles YYYY-MM-DDTHH:MM:SS[.fraction]Z with 1 to 9
// fraction digits, rejecting what time.Parse would reject.
func parseAuth0Time(b []byte) (stamp, bool) {
	if len(b) < 20 || b[len(b)-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec := num(11, 2), num(14, 2), num(17, 2)
	if year < 1678 || year > 2261 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 || hour < 0 || minute < 0 || sec < 0 {
		return 0, false
	}
	ns := 0
	if frac := b[19 : len(b)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return 0, false
		}
		ns = num(20, len(frac)-1)
		if ns < 0 {
			return 0, false
		}
		for range 10 - len(frac) {
			ns *= 10
		}
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	if v := secs*1e9 + int64(ns); v != 0 {
		return stamp(v), true
	}
	return 1, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
