package ui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"ipcscope/ipc"
)

// Row change marks, shown for one refresh.
const (
	markNone  = 0
	markAdded = '+'
	markGone  = '-'
)

type rowRef struct {
	set  *ipc.Set
	mark byte
}

// setTable is the semaphore table: its own rows rather than bubbles/table,
// because the verdict needs its own colour and only visible rows may be
// rendered (32,000 sets).
type setTable struct {
	c         *Common
	rows      []rowRef // every row in semid order: current sets, then marks
	view      []int32  // indices into rows after filter and sort
	scroll             // over view
	selected  map[int]bool
	sortBy    sortKey
	reverse   bool // I: the sort order inverted
	filter    string
	match     setFilter // the parsed filter
	filterErr error     // why the filter text does not parse
	now       time.Time
	gone      []ipc.Set // copies of the sets that vanished, for one refresh
	ids       []int     // current semids, sorted (for the next comparison)
	idSet     []int32   // index into the snapshot's sets in semid order
	idSpare   []int32
	first     bool // no snapshot seen yet
}

func newSetTable(c *Common) *setTable {
	return &setTable{c: c, selected: map[int]bool{}, first: true}
}

// selectable says whether a set may be chosen for removal: orphans, and
// stale sets (which need an extra confirmation). Live and unknown never.
func selectable(s *ipc.Set) bool {
	return s.Verdict == ipc.Orphan || s.Verdict == ipc.Stale
}

func verdictRank(r rowRef) int {
	if r.mark == markGone {
		return 4
	}
	switch r.set.Verdict {
	case ipc.Orphan:
		return 0
	case ipc.Stale:
		return 1
	case ipc.Unknown:
		return 2
	default:
		return 3
	}
}

// setSnapshot replaces the rows with a new scan, marks what appeared and
// vanished since the last one, keeps the cursor on the same semid and
// drops selections of sets that are gone or no longer removable.
func (t *setTable) setSnapshot(snap *ipc.Snapshot, prev *ipc.Snapshot) {
	curID := t.cursorID()
	sets := snap.Sets
	t.now = snap.Taken
	// Sets in semid order, without sorting when the scan already is.
	// The previous order indexes prev.Sets; build the new one in the
	// other buffer.
	prevOrder := t.idSet
	order := t.idSpare[:0]
	sorted := true
	for i := range sets {
		order = append(order, int32(i))
		if i > 0 && sets[i].ID < sets[i-1].ID {
			sorted = false
		}
	}
	if !sorted {
		slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(sets[a].ID, sets[b].ID) })
	}
	t.idSet, t.idSpare = order, prevOrder
	prevIDs := t.ids
	if prev == nil || len(prevOrder) != len(prev.Sets) {
		prevOrder = nil
	}
	ids := make([]int, len(order))
	for i, k := range order {
		ids[i] = sets[k].ID
	}
	t.gone = t.gone[:0]
	rows := t.rows[:0]
	if cap(rows) < len(sets) {
		rows = make([]rowRef, 0, len(sets)+16)
	}
	var goneIdx []int
	j := 0
	for _, k := range order {
		s := &sets[k]
		mark := byte(markNone)
		if !t.first {
			for j < len(prevIDs) && prevIDs[j] < s.ID {
				goneIdx = append(goneIdx, j)
				j++
			}
			if j < len(prevIDs) && prevIDs[j] == s.ID {
				j++
			} else {
				mark = markAdded
			}
		}
		rows = append(rows, rowRef{set: s, mark: mark})
	}
	if !t.first {
		for ; j < len(prevIDs); j++ {
			goneIdx = append(goneIdx, j)
		}
	}
	if len(goneIdx) > 0 && prevOrder != nil {
		for _, gi := range goneIdx {
			t.gone = append(t.gone, prev.Sets[prevOrder[gi]])
		}
		for i := range t.gone {
			rows = append(rows, rowRef{set: &t.gone[i], mark: markGone})
		}
	}
	t.rows, t.ids, t.first = rows, ids, false
	if len(t.selected) > 0 {
		keep := make(map[int]bool, len(t.selected))
		for _, r := range rows {
			if r.mark != markGone && t.selected[r.set.ID] && selectable(r.set) {
				keep[r.set.ID] = true
			}
		}
		t.selected = keep
	}
	t.rebuild(curID)
}

// rebuild filters and sorts the rows into view and puts the cursor back on
// the set with semid curID (or where it was).
func (t *setTable) rebuild(curID int) {
	view := t.view[:0]
	f := t.match
	for i := range t.rows {
		if len(f) == 0 || f.match(t.rows[i].set) {
			view = append(view, int32(i))
		}
	}
	rows := t.rows
	switch t.sortBy {
	case sortVerdict:
		// A stable bucket pass keeps semid order inside each verdict.
		var buckets [5][]int32
		for _, i := range view {
			r := verdictRank(rows[i])
			buckets[r] = append(buckets[r], i)
		}
		view = view[:0]
		for _, b := range buckets {
			view = append(view, b...)
		}
	case sortKey_:
		slices.SortStableFunc(view, func(a, b int32) int { return cmp.Compare(rows[a].set.Key, rows[b].set.Key) })
	case sortOwner:
		slices.SortStableFunc(view, func(a, b int32) int { return strings.Compare(rows[a].set.Owner, rows[b].set.Owner) })
	case sortNSems:
		slices.SortStableFunc(view, func(a, b int32) int { return cmp.Compare(rows[a].set.NSems, rows[b].set.NSems) })
	case sortOp:
		slices.SortStableFunc(view, func(a, b int32) int { return rows[a].set.OTime.Compare(rows[b].set.OTime.Time) })
	case sortChanged:
		slices.SortStableFunc(view, func(a, b int32) int { return rows[a].set.CTime.Compare(rows[b].set.CTime.Time) })
	}
	if t.reverse {
		slices.Reverse(view)
	}
	t.view = view
	if curID >= 0 {
		for i, r := range view {
			if rows[r].set.ID == curID && rows[r].mark != markGone {
				t.cursor = i
				break
			}
		}
	}
	t.clamp()
}

func (t *setTable) clamp() { t.clampTo(len(t.view)) }

// current is the row under the cursor, if any.
func (t *setTable) current() (rowRef, bool) {
	if t.cursor < 0 || t.cursor >= len(t.view) {
		return rowRef{}, false
	}
	return t.rows[t.view[t.cursor]], true
}

func (t *setTable) cursorID() int {
	if r, ok := t.current(); ok {
		return r.set.ID
	}
	return -1
}

func (t *setTable) move(n int) {
	t.cursor += n
	t.clamp()
}

func (t *setTable) setHeight(h int) {
	t.height = max(h, 0)
	t.clamp()
}

func (t *setTable) setSort(k sortKey) {
	t.sortBy = k
	t.rebuild(t.cursorID())
}

// setFilter applies the filter text; text that does not parse keeps the
// last filter that did, and says why (filterErr).
func (t *setTable) setFilter(f string) {
	id := t.cursorID()
	m, err := parseFilter(f)
	t.filterErr = err
	if err != nil {
		return
	}
	t.filter, t.match = f, m
	t.rebuild(id)
}

// setSortDir sorts by k, inverted or not.
func (t *setTable) setSortDir(k sortKey, reverse bool) {
	t.sortBy, t.reverse = k, reverse
	t.rebuild(t.cursorID())
}

// toggle selects or unselects the set under the cursor; it returns why it
// could not.
func (t *setTable) toggle() string {
	r, ok := t.current()
	switch {
	case !ok:
		return "no set under the cursor"
	case r.mark == markGone:
		return "set " + strconv.Itoa(r.set.ID) + " is gone"
	case !selectable(r.set):
		return "set " + strconv.Itoa(r.set.ID) + " is " + verdictWord(r.set.Verdict) + ": only orphan and stale sets can be removed"
	}
	if t.selected[r.set.ID] {
		delete(t.selected, r.set.ID)
	} else {
		t.selected[r.set.ID] = true
	}
	return ""
}

// selectOrphans selects every orphan the filter shows; it returns how many.
func (t *setTable) selectOrphans() int { return t.selectVerdict(ipc.Orphan) }

// selectVerdict selects every set of verdict v the filter shows (orphan
// or stale); it returns how many.
func (t *setTable) selectVerdict(v ipc.Verdict) int {
	n := 0
	for _, i := range t.view {
		r := t.rows[i]
		if r.mark != markGone && r.set.Verdict == v {
			t.selected[r.set.ID] = true
			n++
		}
	}
	return n
}

// clearMarks unselects every set; it returns how many were.
func (t *setTable) clearMarks() int {
	n := len(t.selected)
	clear(t.selected)
	return n
}

// hiddenSelected counts the selected sets the filter does not show.
func (t *setTable) hiddenSelected() int {
	if len(t.selected) == 0 {
		return 0
	}
	shown := 0
	for _, i := range t.view {
		r := t.rows[i]
		if r.mark != markGone && t.selected[r.set.ID] {
			shown++
		}
	}
	return len(t.selected) - shown
}

// selectedSets returns the selected sets in semid order.
func (t *setTable) selectedSets() []ipc.Set {
	var out []ipc.Set
	if len(t.selected) == 0 {
		return nil
	}
	for _, r := range t.rows {
		if r.mark != markGone && t.selected[r.set.ID] {
			out = append(out, *r.set)
		}
	}
	return out
}

// View draws the column header and the visible rows only, exactly
// height+1 lines of the given width.
func (t *setTable) View(width int, focused bool) string {
	st := &t.c.Styles
	w := fitColumns(width)
	var b strings.Builder
	// Header.
	hdr := make([]string, 0, numCols+1)
	hdr = append(hdr, pad("", markWidth, false))
	for i, c := range columns {
		if w[i] == 0 {
			continue
		}
		title := c.title
		if sortCols[t.sortBy] == i {
			// The arrow stays whole; the title gives way ("CHANG▼").
			title = ansi.Truncate(title, w[i]-1, "") + t.sortArrow()
		}
		hdr = append(hdr, pad(title, w[i], c.right))
	}
	b.WriteString(st.ColHeader.Render(pad(strings.Join(hdr, " "), width, false)))
	normal, under := makeRowStyles(st, false), makeRowStyles(st, focused)
	for line := 0; line < t.height; line++ {
		b.WriteByte('\n')
		vi := t.offset + line
		if vi >= len(t.view) {
			if line == 0 {
				msg := "  no semaphore sets in this namespace"
				if t.filter != "" {
					msg = "  no set matches the filter " + strconv.Quote(t.filter)
				}
				b.WriteString(st.Dim.Render(pad(msg, width, false)))
			}
			continue
		}
		r := t.rows[t.view[vi]]
		rs := &normal
		if vi == t.cursor {
			rs = &under
		}
		b.WriteString(t.renderRow(r, w, width, rs, vi == t.cursor))
	}
	return b.String()
}

// sgr is a style reduced to the escape codes around its text, so that a
// row costs string joins instead of a lipgloss Render per cell.
type sgr struct{ pre, post string }

func mkSGR(s lipgloss.Style) sgr {
	r := s.Render("\x01")
	i := strings.IndexByte(r, 1)
	if i < 0 {
		return sgr{}
	}
	return sgr{r[:i], r[i+1:]}
}

func (g sgr) wrap(b *strings.Builder, text string) {
	b.WriteString(g.pre)
	b.WriteString(text)
	b.WriteString(g.post)
}

// rowStyles are the styles of one frame, plain and under the cursor.
type rowStyles struct {
	plain, selected, added, gone sgr
	verdict                      map[ipc.Verdict]sgr
}

func makeRowStyles(st *Styles, cursor bool) rowStyles {
	f := func(s lipgloss.Style) sgr {
		if cursor {
			return mkSGR(s.Inherit(st.Cursor))
		}
		return mkSGR(s)
	}
	rs := rowStyles{plain: f(lipgloss.NewStyle()), selected: f(st.Selected), added: f(st.Added), gone: f(st.Gone), verdict: map[ipc.Verdict]sgr{}}
	for v, s := range st.Verdict {
		rs.verdict[v] = f(s)
	}
	return rs
}

// renderRow draws one row: markers, then every visible cell in its style.
func (t *setTable) renderRow(r rowRef, w [numCols]int, width int, rs *rowStyles, underCursor bool) string {
	cells := setCells(r.set, t.now)
	mark := []byte("   ")
	if underCursor {
		mark[0] = '>'
	}
	if t.selected[r.set.ID] && r.mark != markGone {
		mark[1] = '*'
	}
	if r.mark != markNone {
		mark[2] = r.mark
	}
	if r.mark == markGone {
		cells[colVerdict] = "GONE"
	}
	var b strings.Builder
	b.Grow(width + 64)
	markStyle := rs.plain
	switch {
	case mark[1] == '*':
		markStyle = rs.selected
	case r.mark == markAdded:
		markStyle = rs.added
	}
	markStyle.wrap(&b, string(mark))
	used := markWidth
	b.WriteString(rs.plain.pre)
	for i, c := range columns {
		if w[i] == 0 {
			continue
		}
		cs := rs.plain
		switch {
		case r.mark == markGone:
			cs = rs.gone
		case i == colVerdict:
			cs = rs.verdict[r.set.Verdict]
		}
		b.WriteByte(' ')
		if cs != rs.plain {
			b.WriteString(rs.plain.post)
			cs.wrap(&b, pad(cells[i], w[i], c.right))
			b.WriteString(rs.plain.pre)
		} else {
			b.WriteString(pad(cells[i], w[i], c.right))
		}
		used += 1 + w[i]
	}
	if used < width {
		b.WriteString(strings.Repeat(" ", width-used))
	}
	b.WriteString(rs.plain.post)
	return b.String()
}

// counts returns how many rows the view has and how many are selected.
func (t *setTable) counts() (shown, total, selected int) {
	return len(t.view), len(t.rows) - len(t.gone), len(t.selected)
}
