package ui

import (
	"os"
	"runtime/debug"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Run starts the inspector on the terminal and returns when the user
// quits.
func Run(cfg Config) error {
	limitMemory()
	_, err := tea.NewProgram(New(cfg), programOptions()...).Run()
	return err
}

// memoryLimit is the soft limit the inspector gives the Go runtime: it
// holds one or two snapshots (about 14 MiB with 32,000 sets) and makes one
// every interval, so without a limit the heap settles at twice its live
// size plus garbage. Measured with 32,000 sets and a 2 s interval: RSS 75
// MiB and 6.4% of a core without it; 55 MiB and 7.0% with it (40 MiB gave
// 50 MiB but 10.9%). GOMEMLIMIT overrides it.
const memoryLimit = 48 << 20

func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// programOptions are the program options Run uses: NO_COLOR with any
// non-empty value means no colour (colorprofile alone honours only values
// that parse as true).
func programOptions() []tea.ProgramOption {
	// 20 frames a second at most: the screen changes on data and keys,
	// not in animations, and the renderer's ticker is most of the idle
	// cost (1,000 sets every 2 s: 1.05% of a core at 30, 0.78% at 20).
	opts := []tea.ProgramOption{tea.WithFPS(20)}
	if noColor(os.Getenv) {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	return opts
}

// noColor reports whether NO_COLOR is set to anything (no-color.org).
func noColor(getenv func(string) string) bool {
	return getenv("NO_COLOR") != ""
}
