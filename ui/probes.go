package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"ipcscope/internal/textfmt"
	"ipcscope/probe"
)

// probeRow is one target of the probe pane.
type probeRow struct {
	target  probe.Target
	running bool
	gen     int // results of an older run are dropped
	result  *probe.Result
}

// probePane lists the targets with the one-line verdict from probe; a
// spinner turns only while a probe runs.
type probePane struct {
	c    *Common
	rows []probeRow
	scroll
	spinner  spinner.Model
	spinning bool
}

type probeDoneMsg struct {
	idx, gen int
	result   probe.Result
}

func newProbePane(c *Common, targets []probe.Target) *probePane {
	p := &probePane{c: c, spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	for _, t := range targets {
		p.rows = append(p.rows, probeRow{target: t})
	}
	return p
}

// start marks row i as running and returns the command that probes it,
// with a deadline: a server that never answers cannot hold the command
// forever, and the screen never waits for it.
func (p *probePane) start(i int, run ProbeFunc, timeout time.Duration) tea.Cmd {
	r := &p.rows[i]
	r.gen++
	r.running = true
	gen, t := r.gen, r.target
	cmd := func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return probeDoneMsg{idx: i, gen: gen, result: run(ctx, t)}
	}
	return tea.Batch(cmd, p.spin())
}

// spin starts the spinner if it is not already turning.
func (p *probePane) spin() tea.Cmd {
	if p.spinning {
		return nil
	}
	p.spinning = true
	return p.spinner.Tick
}

func (p *probePane) anyRunning() bool {
	for _, r := range p.rows {
		if r.running {
			return true
		}
	}
	return false
}

// done stores a result; false if it belonged to an older run.
func (p *probePane) done(msg probeDoneMsg) bool {
	if msg.idx < 0 || msg.idx >= len(p.rows) || p.rows[msg.idx].gen != msg.gen {
		return false
	}
	r := &p.rows[msg.idx]
	r.running = false
	res := msg.result
	r.result = &res
	return true
}

// tick advances the spinner only while something runs: no animation when
// idle.
func (p *probePane) tick(msg spinner.TickMsg) tea.Cmd {
	if !p.anyRunning() {
		p.spinning = false
		return nil
	}
	var cmd tea.Cmd
	p.spinner, cmd = p.spinner.Update(msg)
	return cmd
}

func (p *probePane) move(n int) {
	p.cursor += n
	p.clamp()
}

func (p *probePane) clamp() { p.clampTo(len(p.rows)) }

// probeStatus is the word shown before a probe's verdict line.
func probeStatus(r *probe.Result) string {
	if r == nil {
		return "-"
	}
	if !r.OK {
		return "FAIL"
	}
	for _, c := range r.Checks() {
		if c.Status == probe.StatusFail || c.Status == probe.StatusWarn {
			return "WARN"
		}
	}
	if len(r.Warnings) > 0 {
		return "WARN"
	}
	return "OK"
}

// probeCells renders one probe row as status word and text (pure).
func probeCells(r *probeRow, spin string) (status, text string) {
	// probe.Run hands out escaped strings already; Clean again because a
	// ProbeFunc need not be probe.Run, and a terminal must never get a raw
	// control byte from a server.
	switch {
	case r.running:
		return spin + " ...", probe.Clean(r.target.String()) + " probing"
	case r.result == nil:
		return "-", probe.Clean(r.target.String()) + " not probed yet (p)"
	default:
		return probeStatus(r.result), probe.Clean(r.result.Summary())
	}
}

// View draws exactly height lines.
func (p *probePane) View(width int, focused bool) string {
	st := &p.c.Styles
	lines := make([]string, 0, p.height)
	for i := p.offset; i < len(p.rows) && len(lines) < p.height; i++ {
		status, text := probeCells(&p.rows[i], p.spinner.View())
		ss := st.Dim
		switch status {
		case "OK":
			ss = st.OK
		case "WARN":
			ss = st.Warn
		case "FAIL":
			ss = st.Crit
		}
		mark := "  "
		if i == p.cursor {
			mark = "> "
		}
		line := mark + ss.Render(pad(status, 5, false)) + " " + text
		line = truncate(line, width)
		if focused && i == p.cursor {
			line = st.Cursor.Render(pad(mark+pad(status, 5, false)+" "+text, width, false))
		}
		lines = append(lines, line)
	}
	if len(p.rows) == 0 && p.height > 0 {
		lines = append(lines, st.Dim.Render(truncate("  no probe targets: press n to add one (host:port, https://name, name:443@10.0.0.5)", width)))
	}
	for len(lines) < p.height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// title is the pane's title text.
func (p *probePane) title() string {
	run := 0
	for _, r := range p.rows {
		if r.running {
			run++
		}
	}
	if len(p.rows) == 0 {
		return "Probes: none · n adds a target (host:port, https://name, name:443@10.0.0.5)"
	}
	s := fmt.Sprintf("Probes: %s", textfmt.Plural(len(p.rows), "target", "targets"))
	if run > 0 {
		s += ", " + textfmt.Commas(int64(run)) + " running"
	}
	return s
}
