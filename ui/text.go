package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

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

// wrapAll wraps every line of styled text to width, keeping styles.
func wrapAll(s string, width int) string {
	if width <= 0 {
		return s
	}
	return ansi.Wrap(s, width, "")
}
