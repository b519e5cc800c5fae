package ui

import (
	"fmt"
	"math"
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
	count := func(n int, v ipc.Verdict) string {
		t := textfmt.Commas(int64(n)) + " " + string(v)
		if n == 0 {
			return st.Dim.Render(t) // nothing to alarm about
		}
		return st.Verdict[v].Render(t)
	}
	counts := []string{count(u.Orphans, ipc.Orphan), count(u.Stale, ipc.Stale), count(u.Live, ipc.Live)}
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
	tail := fmt.Sprintf(" %s %4s ", fig, percent(used, limit))
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

// percent is used/limit in whole percent, never 100% before it is full:
// 3,998 of 4,000 is 99%, with two sets left.
func percent(used, limit int64) string {
	if limit <= 0 {
		return "?"
	}
	p := math.Floor(100 * float64(used) / float64(limit))
	if used < limit {
		p = min(p, 99)
	}
	return fmt.Sprintf("%.0f%%", p)
}

// findingText is a finding's message with "almost full (100%)", which a
// rounded 99.95% reads as, said as what it means: how many are left.
func findingText(f ipc.Finding) string {
	if f.Used < f.Limit {
		if i := strings.Index(f.Message, "almost full ("); i >= 0 {
			if j := strings.Index(f.Message[i:], ")"); j > 0 {
				left := fmt.Sprintf("almost full (%s left)", textfmt.CommasU(f.Limit-f.Used))
				return f.Message[:i] + left + f.Message[i+j+1:]
			}
		}
	}
	return f.Message
}

// shortFinding is a finding in one line for a narrow screen, keeping the
// words people search for: the errno and Apache's message number.
func shortFinding(f ipc.Finding) string {
	state := "full"
	switch {
	case f.Used < f.Limit && f.Severity == ipc.SevCrit:
		state = "almost full"
	case f.Used < f.Limit:
		state = "at " + percent(int64(f.Used), int64(f.Limit))
	}
	what := map[string]string{"SEMMNI": "sets", "SEMMNS": "semaphores", "SHMMNI": "segments", "SHMALL": "pages", "MSGMNI": "queues"}[f.Resource]
	s := fmt.Sprintf("%s %s: %s/%s %s; ", f.Resource, state, textfmt.CommasU(f.Used), textfmt.CommasU(f.Limit), what)
	switch f.Resource {
	case "SEMMNI", "SEMMNS":
		return s + "semget() → ENOSPC, Apache AH00023 · L limits"
	case "MSGMNI":
		return s + "msgget() → ENOSPC · L limits"
	}
	return s + "shmget() → ENOSPC"
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
	msg := cmds.diagnosis(findingText(f)) // its commands, for the namespace shown
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
			// Too long for the room: the short form keeps ENOSPC and
			// AH00023, which a cut sentence loses.
			short := shortFinding(f)
			if n := len(snap.Diagnosis) - 1; n > 0 {
				short += " (+" + strconv.Itoa(n) + " more)"
			}
			wrapped = wrap(word+" "+short, width)
			if len(wrapped) > 1 {
				wrapped = wrap(word+" "+strings.Replace(short, " · L limits", "", 1), width)
			}
		}
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
