package ui

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// DumpFrames renders the inspector's main screens at a fixed size without
// a terminal, with colours, into dir: main.ans, details.ans, confirm.ans,
// probes.ans, probe-details.ans and namespaces.ans (the picker, on the
// namespace after the inspector's own when there is one). Scans and probes run to completion
// first. screenshots/make.sh turns the frames into PNGs.
func DumpFrames(cfg Config, width, height int, dir string) error {
	m := New(cfg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string) error {
		return os.WriteFile(filepath.Join(dir, name), []byte(m.render()+"\n"), 0o644)
	}
	m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	// freeze ignores reverse video (SGR 7): draw the cursor and the focused
	// pane with a background colour instead, for the pictures only.
	bg := lipgloss.Color("#264f78")
	m.c.Styles.Cursor = lipgloss.NewStyle().Bold(true).Background(bg)
	m.c.Styles.PaneFocused = lipgloss.NewStyle().Bold(true).Background(bg)
	snap, err := m.cfg.Scan(m.ns)
	m.Update(snapshotMsg{snap: snap, err: err})
	var wg sync.WaitGroup
	msgs := make([]probeDoneMsg, len(m.probes.rows))
	for i := range m.probes.rows {
		m.probes.start(i, m.cfg.Probe, m.cfg.ProbeTimeout)
		row := m.probes.rows[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ProbeTimeout)
			defer cancel()
			msgs[i] = probeDoneMsg{idx: i, gen: row.gen, result: m.cfg.Probe(ctx, row.target)}
		}()
	}
	wg.Wait()
	for _, msg := range msgs {
		m.Update(msg)
	}
	keys := func(ks ...string) {
		for _, k := range ks {
			m.Update(keyMsg(k))
		}
	}
	keys("o")
	if err := write("main.ans"); err != nil {
		return err
	}
	keys("enter")
	if err := write("details.ans"); err != nil {
		return err
	}
	keys("esc", "x")
	if err := write("confirm.ans"); err != nil {
		return err
	}
	keys("n", "tab")
	m.setStatus("", false) // the cancelled dialog's note: not what these pictures show
	if err := write("probes.ans"); err != nil {
		return err
	}
	keys("enter")
	if err := write("probe-details.ans"); err != nil {
		return err
	}
	keys("esc")
	if _, cmd := m.Update(keyMsg("N")); cmd != nil {
		m.Update(cmd())
	}
	keys("down")
	return write("namespaces.ans")
}

// keyMsg makes the key press a user would type ("enter", "esc", "tab",
// "space", "ctrl+c" or one character).
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}
