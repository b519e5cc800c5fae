package ui

import (
	"time"

	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

// Columns of the semaphore table. Cells are plain text made by setCells
// (pure, unit tested, benchmarked); styling happens when a row is drawn.
const (
	colID = iota
	colKey
	colOwner
	colCreator
	colPerms
	colNSems
	colOp
	colChanged
	colChangedAt
	colOperators
	colVerdict
	numCols
)

type column struct {
	title string
	width int  // fixed width, or the minimum of the flexible column
	right bool // right-aligned
	flex  bool // takes the width left over
	drop  int  // when the screen is narrow, the highest drop goes first; 0 never
	wide  bool // shown only when OPERATORS keeps operatorsRoom beside it
}

// operatorsRoom is the width OPERATORS keeps before a wide-only column
// is shown; operatorsMax the most it takes, so that on a wide screen the
// verdict stays near the row's other cells.
const operatorsRoom, operatorsMax = 32, 64

var columns = [numCols]column{
	colID:        {title: "SEMID", width: 8, right: true},
	colKey:       {title: "KEY", width: 10, drop: 5},
	colOwner:     {title: "OWNER", width: 9, drop: 1},
	colCreator:   {title: "CREATOR", width: 9, drop: 7, wide: true},
	colPerms:     {title: "PERMS", width: 5, drop: 6},
	colNSems:     {title: "NSEMS", width: 5, right: true, drop: 3},
	colOp:        {title: "LAST OP", width: 8, right: true, drop: 2},
	colChanged:   {title: "CHANGED", width: 8, right: true, drop: 4},
	colChangedAt: {title: "CHANGED AT", width: 19, drop: 8, wide: true},
	colOperators: {title: "OPERATORS", width: 12, flex: true},
	colVerdict:   {title: "VERDICT", width: 8},
}

// markWidth is the cursor/selection/change marker before every row.
const markWidth = 3

// setCells renders one set as the cells of a table row, relative to now
// (the scan time, so that a row does not change between refreshes).
func setCells(s *ipc.Set, now time.Time) [numCols]string {
	var c [numCols]string
	c[colID] = strconv.Itoa(s.ID)
	c[colKey] = s.Key.String()
	c[colOwner] = s.Owner
	c[colCreator] = s.CUser
	c[colPerms] = s.Perms.String()
	c[colNSems] = strconv.Itoa(s.NSems)
	c[colOp] = textfmt.Age(s.OTime.Time, now)
	c[colChanged] = textfmt.Age(s.CTime.Time, now)
	c[colChangedAt] = "never"
	if !s.CTime.IsZero() {
		c[colChangedAt] = s.CTime.Format("2006-01-02 15:04:05")
	}
	c[colOperators] = operatorsCell(s)
	c[colVerdict] = verdictWord(s.Verdict)
	return c
}

// operatorsCell lists the processes that last changed the set's
// semaphores ("2647 dead, 3105 apache2") and how many tasks wait on it.
func operatorsCell(s *ipc.Set) string {
	var b strings.Builder
	for i, op := range s.Operators {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(op.String())
	}
	if w := s.Waiters(); w > 0 {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("waiting: ") // never "1 waiting", which reads like PID 1
		b.WriteString(strconv.Itoa(w))
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// verdictWord is the verdict as the table prints it: a word, never only a
// colour.
func verdictWord(v ipc.Verdict) string {
	if v == "" {
		return "?"
	}
	return strings.ToUpper(string(v))
}

// fitColumns decides the width of every column for a screen width: the
// flexible column takes what is left, and when even its minimum does not
// fit, columns are dropped (width 0) in their drop order.
func fitColumns(width int) [numCols]int {
	var w [numCols]int
	for i, c := range columns {
		w[i] = c.width
	}
	used := func() int {
		n := markWidth
		for i := range w {
			if w[i] > 0 {
				n += w[i] + 1
			}
		}
		return n
	}
	for used() > width {
		best := -1
		for i, c := range columns {
			if w[i] > 0 && c.drop > 0 && (best < 0 || c.drop > columns[best].drop) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		w[best] = 0
	}
	// The wide-only columns need OPERATORS to keep its room.
	for _, c := range []int{colChangedAt, colCreator} {
		if w[c] > 0 && width-used()+columns[colOperators].width < operatorsRoom {
			w[c] = 0
		}
	}
	if extra := width - used(); extra > 0 {
		w[colOperators] = min(w[colOperators]+extra, operatorsMax)
	}
	return w
}

// pad fits plain text s into exactly w cells, truncating with an ellipsis.
func pad(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	if right {
		return strings.Repeat(" ", w-sw) + s
	}
	return s + strings.Repeat(" ", w-sw)
}
