package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// commas formats 32000 as "32,000".
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// truncate cuts a styled line to width cells.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// wrap breaks plain text into lines of at most width cells.
func wrap(s string, width int) []string {
	if width <= 0 {
		return []string{""}
	}
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
}

// fitLines makes exactly n lines, each cut to width.
func fitLines(lines []string, width, n int) []string {
	out := make([]string, 0, n)
	for _, l := range lines {
		if len(out) == n {
			break
		}
		out = append(out, truncate(l, width))
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return commas(int64(n)) + " " + many
}

// wrapAll wraps every line of styled text to width, keeping styles.
func wrapAll(s string, width int) string {
	if width <= 0 {
		return s
	}
	return ansi.Wrap(s, width, "")
}
