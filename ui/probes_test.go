package ui

import (
	"strings"
	"testing"

	"ipcscope/probe"
)

// TestProbeCellsEscapeServerText: whatever a ProbeFunc returns, the probe
// pane's text has no raw control byte (a SAN with "\x1b[31m" must not
// colour the inspector).
func TestProbeCellsEscapeServerText(t *testing.T) {
	tg, err := probe.ParseTarget("evil.test")
	if err != nil {
		t.Fatal(err)
	}
	row := probeRow{target: tg, result: &probe.Result{Target: tg, Verdict: "cert \x1b[31mred\x1b[0m · \u202eevil \x9b2J"}}
	_, text := probeCells(&row, "")
	if strings.ContainsAny(text, "\x1b\u202e\x9b") || !strings.Contains(text, `\x1b[31mred`) {
		t.Errorf("probe pane text %q", text)
	}
}
