package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"ipcscope/ipc"
)

// filterSnapshot adds a python3 operator and a keyed set to the fixture.
func filterSnapshot() *ipc.Snapshot {
	snap := fixtureSnapshot(3)
	py := fixtureSet(2000000, ipc.Live, "app", ipc.Operator{PID: 5150, State: ipc.OpRunning, Comm: "python3", User: "app", Sems: []int{0}})
	py.Key = 0x0052e2c9
	py.NSems = 4
	snap.Sets = append(snap.Sets, py)
	return snap
}

func shownIDs(m *Model) []int {
	var out []int
	for _, i := range m.table.view {
		out = append(out, m.table.rows[i].set.ID)
	}
	return out
}

// The filter finds what the table shows, by field, negated, and all
// words together.
func TestFilterMatchesWhatIsShown(t *testing.T) {
	m := loaded(t, fixtureConfig(filterSnapshot(), nil), 200, 60)
	for _, c := range []struct {
		filter string
		want   int
	}{
		{"python3", 1}, {"dead", 4}, {"DEAD", 4}, {"waiting", 1}, {"0600", 8}, {"apache2", 2},
		{"owner:www", 5}, {"owner:deploy", 1}, {"verdict:orphan", 3}, {"verdict:o", 3}, {"orphan", 3},
		{"pid:2600", 1}, {"pid:260", 0}, {"cmd:apache", 2}, {"cmd:python", 1}, {"key:0x0052e2c", 2},
		{"id:65537", 1}, {"!live", 5}, {"!live !orphan", 2}, {"owner:www-data !orphan", 2}, {"live", 3},
	} {
		m.table.setFilter(c.filter)
		if m.table.filterErr != nil {
			t.Errorf("%q: %v", c.filter, m.table.filterErr)
		}
		if got := len(m.table.view); got != c.want {
			t.Errorf("filter %q shows %d sets %v, want %d", c.filter, got, shownIDs(m), c.want)
		}
	}
	m.table.setFilter("python3")
	m.table.setFilter("colour:red")
	if m.table.filterErr == nil || !strings.Contains(m.table.filterErr.Error(), "owner:, verdict:") || len(m.table.view) != 1 {
		t.Errorf("unknown field: err %v, %d shown (the last good filter stays)", m.table.filterErr, len(m.table.view))
	}
}

// s, < and > pick the column, I inverts; the arrow is on the column
// sorted by, and the title shows the cursor's position.
func TestSortColumnsAndInvert(t *testing.T) {
	snap := filterSnapshot()
	// Last op and last change in opposite orders, so that each sort is told apart.
	for i := range snap.Sets {
		snap.Sets[i].OTime = ipc.Time{Time: fixedNow.Add(-time.Duration(i) * time.Minute)}
		snap.Sets[i].CTime = ipc.Time{Time: fixedNow.Add(-time.Duration(len(snap.Sets)-i) * time.Hour)}
	}
	m := loaded(t, fixtureConfig(snap, nil), 200, 60)
	lineWith := func(w string) string {
		for _, l := range strings.Split(plain(m), "\n") {
			if strings.Contains(l, w) {
				return l
			}
		}
		return ""
	}
	header := func() string { return lineWith("SEMID") }
	press(m, ">") // semid
	ids := shownIDs(m)
	for i := 1; i < len(ids); i++ {
		if ids[i] < ids[i-1] {
			t.Fatalf("semid sort: %v", ids)
		}
	}
	if !strings.Contains(header(), "SEMID▼") {
		t.Errorf("header %q", header())
	}
	press(m, "I")
	if ids := shownIDs(m); ids[0] != 2000000 || !strings.Contains(header(), "SEMID▲") {
		t.Errorf("inverted: %v, header %q", ids, header())
	}
	press(m, "I", ">", ">", ">", ">") // last op
	if r := m.table.rows[m.table.view[0]]; r.set.ID != 2000000 || !strings.Contains(header(), "LAST OP▼") {
		t.Errorf("last op sort starts with %d, header %q", r.set.ID, header())
	}
	press(m, ">") // changed: the oldest change first
	if r := m.table.rows[m.table.view[0]]; r.set.ID != 32768 || !strings.Contains(header(), "CHANGED▼") {
		t.Errorf("changed sort starts with %d, header %q", r.set.ID, header())
	}
	press(m, "<", "<", "<", "<", "<", "<")
	if m.table.sortBy != sortVerdict {
		t.Errorf("< six times from changed: %s", sortNames[m.table.sortBy])
	}
	press(m, "j", "j")
	if title := lineWith("Semaphore sets:"); !strings.Contains(title, "3/8") {
		t.Errorf("no position in %q", title)
	}
}

func TestGoldenSortFilter80x24(t *testing.T) {
	m := loaded(t, fixtureConfig(filterSnapshot(), nil), 80, 24)
	press(m, "/", "!", "o", "r", "p", "h", "a", "n", "enter", "<", "I", "j")
	out := plain(m)
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenSortFilter200x60(t *testing.T) {
	m := loaded(t, fixtureConfig(filterSnapshot(), nil), 200, 60)
	press(m, "/", "c", "m", "d", ":", "a", "enter", "<", "<", "I")
	out := plain(m)
	checkFrame(t, out, 200, 60)
	golden.RequireEqual(t, out)
}

// The filter's formatting is the table's.
func TestFilterFormatsAsShown(t *testing.T) {
	for _, k := range []ipc.Key{0, 0x0052e2c1, 0xdeadbeef, 0xffffffff} {
		if got := string(appendKey(nil, k)); got != k.String() {
			t.Errorf("key %q, want %q", got, k.String())
		}
	}
	for _, p := range []ipc.Perms{0, 0o600, 0o644, 0o777, 0o1777} {
		if got := string(appendPerms(nil, p)); got != p.String() {
			t.Errorf("perms %q, want %q", got, p.String())
		}
	}
}
