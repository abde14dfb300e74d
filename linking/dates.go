package linking

import "time"

// auth0Time is how Auth0 writes timestamps: RFC 3339 in UTC with milliseconds.
const auth0Time = "2006-01-02T15:04:05.000Z"

// AppendAuth0Time is t.UTC().AppendFormat(b, auth0Time), without reading
// the layout each time: a report writes two timestamps an account.
func AppendAuth0Time(b []byte, t time.Time) []byte {
	t = t.UTC()
	if year := t.Year(); year < 0 || year > 9999 {
		return t.AppendFormat(b, auth0Time)
	}
	hour, minute, sec := t.Clock()
	b = AppendDate(b, t)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1e6, 3)
	return append(b, 'Z')
}

// AppendDate is t.UTC().AppendFormat(b, time.DateOnly), for reasons and
// reports that write a date for every account.
func AppendDate(b []byte, t time.Time) []byte {
	year, month, day := t.UTC().Date()
	if year < 0 || year > 9999 {
		return t.UTC().AppendFormat(b, time.DateOnly)
	}
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	return appendDigits(b, day, 2)
}

// appendDigits writes v (0 ≤ v < 10^n, n ≤ 4) in exactly n digits.
func appendDigits(b []byte, v, n int) []byte {
	var d [4]byte
	for i := n - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:n]...)
}
