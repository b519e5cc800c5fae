// Package textfmt formats numbers, counts and ages for people, the same
// way in the inspector, the command-line output and the messages ipc
// writes: "32,000", "1 set" / "3 sets", "12m".
package textfmt

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Commas formats 32000 as "32,000" (and -1234567 as "-1,234,567").
func Commas(n int64) string {
	if n < 0 {
		// -n overflows for the smallest int64: format its magnitude as
		// unsigned instead.
		return "-" + CommasU(uint64(-(n+1))+1)
	}
	return CommasU(uint64(n))
}

// CommasU is Commas for unsigned numbers (kernel limits such as SHMALL
// exceed the int64 range).
func CommasU(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Plural counts things: "1 set", "0 sets", "1,200 sets".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Commas(int64(n)) + " " + many
}

// Age formats how long before now t was, compactly: "never" (zero t),
// "45s", "12m", "3h" (up to 48 hours), "5d"; "now" for a t after now.
func Age(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "now"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + "h"
	default:
		return strconv.Itoa(int(d.Hours()/24)) + "d"
	}
}

// Clip cuts plain text to at most n runes, marking a cut with "…". It
// never splits a UTF-8 sequence. (The inspector cuts styled lines to a
// width in cells instead: ui's truncate, which knows escape sequences.)
func Clip(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}
