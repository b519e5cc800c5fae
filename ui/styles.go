package ui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"ipcscope/ipc"
)

// Styles is the one palette of the inspector. Colour never carries meaning
// alone: verdicts and levels are also words, the cursor is reverse video
// and marked with ▶, so NO_COLOR (Ascii profile) loses nothing.
type Styles struct {
	Title       lipgloss.Style // program name in the header
	Header      lipgloss.Style // header facts
	Dim         lipgloss.Style
	Bold        lipgloss.Style
	PaneFocused lipgloss.Style // title line of the focused pane
	PaneBlurred lipgloss.Style
	ColHeader   lipgloss.Style
	Cursor      lipgloss.Style // added to every cell of the cursor row
	Selected    lipgloss.Style
	Added       lipgloss.Style
	Gone        lipgloss.Style
	Verdict     map[ipc.Verdict]lipgloss.Style
	OK          lipgloss.Style
	Warn        lipgloss.Style
	Crit        lipgloss.Style
	Status      lipgloss.Style
	Error       lipgloss.Style
	Notice      lipgloss.Style
	Paused      lipgloss.Style // the PAUSED word in the header
	Dialog      lipgloss.Style // the box of overlays
	DialogTitle lipgloss.Style
	Help        help.Styles

	OKColor, WarnColor, CritColor color.Color
}

// newStyles makes the palette for a dark or light background.
func newStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	green := ld(lipgloss.Color("#1a7f37"), lipgloss.Color("#3fb950"))
	yellow := ld(lipgloss.Color("#9a6700"), lipgloss.Color("#d29922"))
	red := ld(lipgloss.Color("#cf222e"), lipgloss.Color("#f85149"))
	magenta := ld(lipgloss.Color("#8250df"), lipgloss.Color("#bc8cff"))
	blue := ld(lipgloss.Color("#0969da"), lipgloss.Color("#58a6ff"))
	dim := ld(lipgloss.Color("#6e7781"), lipgloss.Color("#8b949e"))
	fg := ld(lipgloss.Color("#1f2328"), lipgloss.Color("#e6edf3"))
	border := ld(lipgloss.Color("#8c959f"), lipgloss.Color("#6e7681"))

	s := Styles{
		Title:       lipgloss.NewStyle().Bold(true).Foreground(blue),
		Header:      lipgloss.NewStyle().Foreground(fg),
		Dim:         lipgloss.NewStyle().Foreground(dim),
		Bold:        lipgloss.NewStyle().Bold(true),
		PaneFocused: lipgloss.NewStyle().Bold(true).Reverse(true),
		PaneBlurred: lipgloss.NewStyle().Bold(true).Foreground(dim),
		ColHeader:   lipgloss.NewStyle().Bold(true).Underline(true),
		Cursor:      lipgloss.NewStyle().Reverse(true).Bold(true),
		Selected:    lipgloss.NewStyle().Bold(true).Foreground(red),
		Added:       lipgloss.NewStyle().Bold(true).Foreground(blue),
		Gone:        lipgloss.NewStyle().Foreground(dim).Strikethrough(true),
		Verdict: map[ipc.Verdict]lipgloss.Style{
			ipc.Live:    lipgloss.NewStyle().Foreground(green),
			ipc.Orphan:  lipgloss.NewStyle().Bold(true).Foreground(red),
			ipc.Stale:   lipgloss.NewStyle().Bold(true).Foreground(yellow),
			ipc.Unknown: lipgloss.NewStyle().Foreground(magenta),
		},
		OK:          lipgloss.NewStyle().Foreground(green),
		Warn:        lipgloss.NewStyle().Bold(true).Foreground(yellow),
		Crit:        lipgloss.NewStyle().Bold(true).Foreground(red),
		Status:      lipgloss.NewStyle().Foreground(dim),
		Error:       lipgloss.NewStyle().Bold(true).Foreground(red),
		Notice:      lipgloss.NewStyle().Foreground(yellow),
		Paused:      lipgloss.NewStyle().Bold(true).Reverse(true),
		Dialog:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(border).Padding(0, 1),
		DialogTitle: lipgloss.NewStyle().Bold(true),
		Help:        help.DefaultStyles(isDark),
		OKColor:     green,
		WarnColor:   yellow,
		CritColor:   red,
	}
	return s
}

// level returns the style, word and colour of a percentage of a limit,
// with ipc's thresholds so that the bar agrees with the diagnosis.
func (s Styles) level(pct float64, full bool) (lipgloss.Style, string, color.Color) {
	switch {
	case full:
		return s.Crit, "FULL", s.CritColor
	case pct >= ipc.CritPercent:
		return s.Crit, "CRIT", s.CritColor
	case pct >= ipc.WarnPercent:
		return s.Warn, "WARN", s.WarnColor
	default:
		return s.OK, "ok", s.OKColor
	}
}
