package ui

import (
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Run starts the inspector on the terminal and returns when the user
// quits.
func Run(cfg Config) error {
	_, err := tea.NewProgram(New(cfg), ProgramOptions()...).Run()
	return err
}

// ProgramOptions are the program options Run uses: NO_COLOR with any
// non-empty value means no colour (colorprofile alone honours only values
// that parse as true).
func ProgramOptions() []tea.ProgramOption {
	// 30 frames a second at most: the screen changes on data and keys,
	// and a slower renderer ticker costs less when idle.
	opts := []tea.ProgramOption{tea.WithFPS(30)}
	if NoColor(os.Getenv) {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	return opts
}

// NoColor reports whether NO_COLOR is set to anything (no-color.org).
func NoColor(getenv func(string) string) bool {
	return getenv("NO_COLOR") != ""
}
