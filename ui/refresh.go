package ui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"ipcscope/ipc"
)

// The refresh loop: a scan runs as a command, its snapshot comes back as a
// snapshotMsg, and a tick Interval later the next scan starts. Two
// generations keep it honest:
//
//   - nsGen is bumped when the inspector switches namespace: a scan of the
//     namespace shown before arrives with an older nsGen and is dropped,
//     so nothing scanned in one namespace is shown (or removed) in another;
//   - tickGen is bumped whenever the pending tick must not start a scan
//     (pause, a refresh asked for now, a switch): its tickMsg is dropped.
//
// While paused (P) no tick starts a scan; a scan already running is held
// back and shown on resume, unless it was asked for (r, a removal, a
// switch: applyNext), which is shown at once.

// Messages of the refresh loop.
type (
	snapshotMsg struct {
		snap *ipc.Snapshot
		err  error
		gen  int // nsGen when the scan started
	}
	tickMsg struct{ gen int }
)

// refresher is the state of the refresh loop. Model embeds it; it knows
// nothing of the screen: what to show is the caller's.
type refresher struct {
	scan     ScanFunc
	interval time.Duration
	// wait is the interval in force: at least interval, and at least
	// scanCost times what the last scan took, so that an idle inspector
	// on a host with 32,000 sets does not spend a core's twentieth on
	// rescanning (a scan there takes ~50 ms on two threads).
	wait time.Duration

	ns        NS           // the namespace shown
	nsGen     int          // bumped on a switch: scans of the previous one are dropped
	tickGen   int          // bumped to drop the pending tick
	scanning  bool         // a scan command is out
	paused    bool         // P: no automatic refresh, the screen stays as it is
	held      *snapshotMsg // a scan that arrived while paused
	applyNext bool         // the next scan was asked for (r, x, a switch): show it even when paused
}

// scanCmd starts a scan of the namespace shown, unless one is out already.
func (r *refresher) scanCmd() tea.Cmd {
	if r.scanning {
		return nil
	}
	r.scanning = true
	scan, ns, gen := r.scan, r.ns, r.nsGen
	return func() tea.Msg {
		s, err := scan(ns)
		return snapshotMsg{snap: s, err: err, gen: gen}
	}
}

// tickCmd schedules the next scan (and drops any tick pending).
func (r *refresher) tickCmd() tea.Cmd {
	r.tickGen++
	gen := r.tickGen
	return tea.Tick(r.waitFor(), func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

// scanCost is how many times a scan's own duration the loop waits before
// the next one, at least: a scan runs on two threads, so about 1.3% of a
// core (measured at 32,000 sets: 2.2% with 100, 5.5-7% at a 2 s interval).
const scanCost = 150

func (r *refresher) waitFor() time.Duration {
	if r.wait < r.interval {
		return r.interval
	}
	return r.wait
}

// noteCost sets the wait from the duration of the scan just taken.
func (r *refresher) noteCost(d time.Duration) {
	r.wait = max(r.interval, scanCost*d)
}

// arrived takes a finished scan: show reports whether to show it now, and
// next is what follows (the tick that starts the next scan).
func (r *refresher) arrived(msg snapshotMsg) (show bool, next tea.Cmd) {
	if msg.gen != r.nsGen {
		return false, nil // a scan of the namespace shown before a switch
	}
	r.scanning = false
	if r.paused && !r.applyNext {
		r.held = &msg
		return false, nil
	}
	r.applyNext = false
	r.pin(msg)
	if msg.err == nil && msg.snap != nil {
		r.noteCost(msg.snap.Duration)
	}
	if r.paused {
		return true, nil
	}
	return true, r.tickCmd()
}

// pin fixes --ns PID to the namespace its first good scan was taken in:
// if the PID is later reused by a process of another namespace, scans and
// removals fail instead of acting there.
func (r *refresher) pin(msg snapshotMsg) {
	if msg.err == nil {
		r.ns = r.ns.Pin(msg.snap)
	}
}

// ticked starts the scan a tick asked for, unless the tick is stale or
// the loop is paused.
func (r *refresher) ticked(msg tickMsg) tea.Cmd {
	if msg.gen != r.tickGen || r.paused {
		return nil
	}
	return r.scanCmd()
}

// now scans at once and shows the result even when paused (r, and after
// a removal); the pending tick is dropped.
func (r *refresher) now() tea.Cmd {
	r.tickGen++
	r.applyNext = true
	return r.scanCmd()
}

// togglePause pauses or resumes. On resume it returns the scan held back
// while paused (nil if none), to show, and starts a scan.
func (r *refresher) togglePause() (held *snapshotMsg, cmd tea.Cmd) {
	r.paused = !r.paused
	r.tickGen++ // the pending tick starts no scan
	if r.paused {
		return nil, nil
	}
	held, r.held = r.held, nil
	if held != nil {
		r.pin(*held)
	}
	return held, r.scanCmd()
}

// switchTo makes ns the namespace shown: scans and ticks of the previous
// one are dropped, and the first scan of ns is shown even when paused.
func (r *refresher) switchTo(ns NS) tea.Cmd {
	r.ns = ns
	r.nsGen++
	r.tickGen++
	r.scanning = false
	r.held = nil
	r.applyNext = true
	return r.scanCmd()
}

// applySnapshot shows a scan (or its error beside the last data).
func (m *Model) applySnapshot(msg snapshotMsg) {
	if msg.err != nil {
		m.scanErr = msg.err
		m.setStatus("scan failed: "+msg.err.Error(), true)
		return
	}
	if m.scanErr != nil {
		m.scanErr = nil
		m.setStatus("", false)
	}
	m.ageStatus()
	prev := m.snap
	m.snap, m.snapNS = msg.snap, m.ns
	m.table.setSnapshot(msg.snap, prev)
	if !m.dWhat.probe {
		m.renderDetails() // details follow every scan
	}
}

// snapshotArrived handles a finished scan.
func (m *Model) snapshotArrived(msg snapshotMsg) tea.Cmd {
	show, next := m.arrived(msg)
	if show {
		m.applySnapshot(msg)
	}
	return next
}

// switchNS shows another namespace: the old one's sets, selection and
// pending scans are dropped at once, so nothing scanned in one namespace
// can be removed in another.
func (m *Model) switchNS(ns NS) tea.Cmd {
	m.snap, m.scanErr = nil, nil
	m.table = newSetTable(m.c)
	m.mode = modeMain
	m.focus = focusSets
	where := "the inspector's own IPC namespace"
	if !ns.Own() {
		where = fmt.Sprintf("IPC namespace %d (through PID %d)", ns.Inode, ns.PID)
	}
	m.setStatus("switched to "+where+"; scanning…", false)
	return m.switchTo(ns)
}

// togglePause freezes or resumes automatic refreshes; a scan held back
// while paused is shown on resume.
func (m *Model) togglePause() tea.Cmd {
	held, cmd := m.refresher.togglePause()
	if m.paused {
		m.setStatus("paused: the screen stays as it is; P resumes, r refreshes once", false)
		return nil
	}
	if held != nil {
		m.applySnapshot(*held)
	}
	m.setStatus("resumed", false)
	return cmd
}
