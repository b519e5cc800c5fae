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

// wrap breaks plain text into lines of at most width cells. A command
// quoted in the text ('ipcscope clean --ns 4242') is kept on one line
// when it fits: cut at a space or a hyphen it would not paste whole.
func wrap(s string, width int) []string {
	if width <= 0 {
		return []string{""}
	}
	s, kept := protectCommands(s, width)
	out := ansi.Wrap(s, width, "")
	if kept {
		out = unprotect.Replace(out)
	}
	return strings.Split(out, "\n")
}

// Stand-ins, one cell wide and no break point, for the spaces and
// hyphens of a quoted command while the text is wrapped.
const keptSpace, keptHyphen = "\u2423", "\u2011"

var unprotect = strings.NewReplacer(keptSpace, " ", keptHyphen, "-")

// commandStarts are how the commands quoted in ipc's and ui's prose start.
var commandStarts = []string{"'ipcscope ", "'nsenter ", "'sysctl ", "'ipcrm ", "'ipcs "}

// protectCommands swaps the spaces and hyphens of every quoted command no
// wider than width for their stand-ins.
func protectCommands(s string, width int) (string, bool) {
	var b strings.Builder
	kept := false
	for {
		start := -1
		for _, c := range commandStarts {
			if i := strings.Index(s, c); i >= 0 && (start < 0 || i < start) {
				start = i
			}
		}
		if start < 0 {
			break
		}
		end := strings.IndexByte(s[start+1:], '\'')
		if end < 0 {
			break
		}
		end += start + 2
		cmd := s[start:end]
		b.WriteString(s[:start])
		if ansi.StringWidth(cmd) < width {
			cmd = strings.NewReplacer(" ", keptSpace, "-", keptHyphen).Replace(cmd)
			kept = true
		}
		b.WriteString(cmd)
		s = s[end:]
	}
	return b.String() + s, kept
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
