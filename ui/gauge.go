package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/progress"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

// gaugeLines draws the limits: sets vs SEMMNI and semaphores vs SEMMNS as
// static bars (progress.ViewAs: no animation) with figures, percentage and
// a level word; one small line for shm, msg and the verdict counts.
func gaugeLines(c *Common, snap *ipc.Snapshot, width int) []string {
	l, u := snap.Limits, snap.Usage
	lines := []string{
		barLine(c, "sets", int64(u.Sets), int64(l.SEMMNI), "SEMMNI", width),
		barLine(c, "sems", u.Semaphores, l.SEMMNS, "SEMMNS", width),
	}
	st := &c.Styles
	small := fmt.Sprintf("shm %s/%s segs · msg %s/%s queues · ", textfmt.Commas(int64(u.ShmSegs)), textfmt.Commas(int64(l.SHMMNI)), textfmt.Commas(int64(u.MsgQueues)), textfmt.Commas(int64(l.MSGMNI)))
	counts := []string{
		st.Verdict[ipc.Orphan].Render(textfmt.Commas(int64(u.Orphans)) + " orphan"),
		st.Verdict[ipc.Stale].Render(textfmt.Commas(int64(u.Stale)) + " stale"),
		st.Verdict[ipc.Live].Render(textfmt.Commas(int64(u.Live)) + " live"),
	}
	if u.Unknown > 0 {
		counts = append(counts, st.Verdict[ipc.Unknown].Render(textfmt.Commas(int64(u.Unknown))+" unknown"))
	}
	lines = append(lines, truncate(st.Dim.Render(small)+strings.Join(counts, st.Dim.Render(" · ")), width))
	return lines
}

// barLine is "sets ████░░░░ 3,998/4,000  99% FULL (SEMMNI)".
func barLine(c *Common, label string, used, limit int64, res string, width int) string {
	st := &c.Styles
	pct := 0.0
	if limit > 0 {
		pct = 100 * float64(used) / float64(limit)
	}
	lvl, word, col := st.level(pct, limit > 0 && used >= limit)
	fig := fmt.Sprintf("%s/%s", textfmt.Commas(used), textfmt.Commas(limit))
	if limit <= 0 {
		fig, word = textfmt.Commas(used)+"/?", "?"
	}
	tail := fmt.Sprintf(" %s %3.0f%% ", fig, pct)
	suffix := lvl.Render(word) + st.Dim.Render(" "+res)
	// The same bar width on every line, so that bars compare at a glance.
	barW := min(width-5-38, 50)
	if barW < 5 {
		return truncate(fmt.Sprintf("%-4s%s", label, tail)+suffix, width)
	}
	bar := progress.New(progress.WithWidth(barW), progress.WithoutPercentage(),
		progress.WithColors(col), progress.WithFillCharacters('█', '░'))
	return truncate(st.Bold.Render(fmt.Sprintf("%-4s ", label))+bar.ViewAs(min(pct/100, 1))+tail+suffix, width)
}

// diagnosisLines is ipc's worst finding, wrapped to maxLines-1 lines,
// and a last line saying what to do here when orphans can be removed.
func diagnosisLines(c *Common, snap *ipc.Snapshot, width, maxLines int, canRemove bool, cmds shellCmds) []string {
	st := &c.Styles
	u := snap.Usage
	var hint string
	if u.Orphans > 0 {
		hint = fmt.Sprintf("%s of %s are orphans", textfmt.Commas(int64(u.Orphans)), textfmt.Plural(u.Sets, "set", "sets"))
		if canRemove {
			hint += ": press o, then x to remove them"
		} else {
			hint += " (read-only mode)"
		}
	}
	if len(snap.Diagnosis) == 0 {
		l := st.OK.Render("OK") + " no IPC limit is near full"
		if hint != "" {
			l += "; " + hint
		}
		return []string{truncate(l, width)}
	}
	f := snap.Diagnosis[0]
	for _, g := range snap.Diagnosis[1:] {
		if g.Severity == ipc.SevCrit && f.Severity != ipc.SevCrit {
			f = g
		}
	}
	word, style := "WARN", st.Warn
	if f.Severity == ipc.SevCrit {
		word, style = "CRIT", st.Crit
	}
	msg := cmds.diagnosis(f.Message) // its commands, for the namespace shown
	if n := len(snap.Diagnosis) - 1; n > 0 {
		msg += " (+" + strconv.Itoa(n) + " more)"
	}
	room := maxLines
	if hint != "" {
		room--
	}
	var out []string
	if room > 0 {
		wrapped := wrap(word+" "+msg, width)
		if len(wrapped) > room {
			wrapped = wrapped[:room]
			wrapped[room-1] = truncate(wrapped[room-1]+"…", width)
		}
		if strings.HasPrefix(wrapped[0], word) {
			wrapped[0] = style.Render(word) + wrapped[0][len(word):]
		}
		out = wrapped
	}
	if hint != "" {
		out = append(out, truncate(style.Render("→ ")+hint, width))
	}
	return out
}
