package ui

import (
	"strings"
	"testing"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

func TestSetCells(t *testing.T) {
	s := fixtureSet(32769, ipc.Orphan, "www-data", ipc.Operator{PID: 2647, State: ipc.OpDead}, ipc.Operator{PID: 3105, State: ipc.OpRunning, Comm: "apache2"})
	s.Sems[0].NCount = 2
	c := setCells(&s, fixedNow)
	want := [numCols]string{"32769", "0x00000000", "www-data", "root", "0600", "1", "50m", "3h", "2026-03-14 06:26:53", "2647 dead, 3105 apache2, waiting: 2", "ORPHAN"}
	if c != want {
		t.Errorf("cells\n got %q\nwant %q", c, want)
	}
	empty := ipc.Set{}
	if got := operatorsCell(&empty); got != "none" {
		t.Errorf("no operators: %q", got)
	}
	if verdictWord(ipc.Live) != "LIVE" || verdictWord("") != "?" {
		t.Error("verdict words")
	}
}

func TestFitColumns(t *testing.T) {
	total := func(w [numCols]int) int {
		n := markWidth
		for _, x := range w {
			if x > 0 {
				n += x + 1
			}
		}
		return n
	}
	for _, width := range []int{200, 120, 80, 60, 40, 20, 5} {
		w := fitColumns(width)
		if w[colID] == 0 || w[colVerdict] == 0 || w[colOperators] < columns[colOperators].width {
			t.Errorf("%d: essential column dropped: %v", width, w)
		}
		if width >= 60 && total(w) != width && w[colOperators] != operatorsMax {
			t.Errorf("%d: columns fill %d", width, total(w))
		}
		if (w[colCreator] > 0 || w[colChangedAt] > 0) && w[colOperators] < operatorsRoom {
			t.Errorf("%d: a wide-only column squeezes OPERATORS to %d", width, w[colOperators])
		}
	}
	if w := fitColumns(80); w[colPerms] != 0 || w[colKey] == 0 || w[colCreator] != 0 || w[colChangedAt] != 0 {
		t.Errorf("80 columns: perms should go first, the wide-only columns are not shown: %v", w)
	}
	// 200 columns: the creator and the absolute time, and VERDICT near
	// the rest instead of 130 columns away.
	if w := fitColumns(200); w[colCreator] == 0 || w[colChangedAt] == 0 || w[colOperators] != operatorsMax {
		t.Errorf("200 columns: %v", w)
	}
}

func TestPad(t *testing.T) {
	for _, c := range []struct {
		s     string
		w     int
		right bool
		want  string
	}{{"abc", 5, false, "abc  "}, {"abc", 5, true, "  abc"}, {"abcdef", 4, false, "abc…"}, {"x", 0, false, ""}} {
		if got := pad(c.s, c.w, c.right); got != c.want {
			t.Errorf("pad(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
	}
	if got := textfmt.Commas(32000); got != "32,000" || textfmt.Commas(-1234567) != "-1,234,567" || textfmt.Commas(999) != "999" {
		t.Errorf("commas: %s", got)
	}
}

func TestDialogLine(t *testing.T) {
	s := fixtureSet(65537, ipc.Orphan, "www-data", ipc.Operator{PID: 2600, State: ipc.OpDead})
	if got := dialogSetLine(&s); !strings.Contains(got, "65537") || !strings.Contains(got, "ORPHAN") || !strings.Contains(got, "2600 dead") {
		t.Errorf("dialog line %q", got)
	}
}

func BenchmarkSetCells(b *testing.B) {
	s := fixtureSet(32769, ipc.Orphan, "www-data", ipc.Operator{PID: 2647, State: ipc.OpDead})
	b.ReportAllocs()
	for b.Loop() {
		_ = setCells(&s, fixedNow)
	}
}
