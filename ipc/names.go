package ipc

import (
	"bufio"
	"maps"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// names resolves user and group IDs from /etc/passwd and /etc/group (the
// static binary has no NSS; LDAP users show as numbers, like ipcs does when
// it cannot resolve them).
type names struct {
	users, groups map[int]string
	// unmappedUID and unmappedGID are the kernel's overflow IDs when they
	// stand for IDs not mapped into our user namespace (0 otherwise: in
	// the initial user namespace 65534 is nobody).
	unmappedUID, unmappedGID int
}

// unmapped says which of a row's IDs are overflow IDs for unmapped ones.
func (n *names) unmapped(r semRow) unmappedIDs {
	if n == nil || (n.unmappedUID == 0 && n.unmappedGID == 0) {
		return 0
	}
	var u unmappedIDs
	if n.unmappedUID != 0 && r.UID == n.unmappedUID {
		u |= unmappedUID
	}
	if n.unmappedUID != 0 && r.CUID == n.unmappedUID {
		u |= unmappedCUID
	}
	if n.unmappedGID != 0 && r.GID == n.unmappedGID {
		u |= unmappedGID
	}
	if n.unmappedGID != 0 && r.CGID == n.unmappedGID {
		u |= unmappedCGID
	}
	return u
}

// overflowUnmapped returns the overflow ID of kind ("uid" or "gid") if it
// is not mapped into our user namespace, else 0.
func overflowUnmapped(kind string) int {
	b, err := os.ReadFile("/proc/sys/kernel/overflow" + kind)
	if err != nil {
		return 0
	}
	ovf, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || ovf <= 0 {
		return 0
	}
	m, err := os.ReadFile("/proc/self/" + kind + "_map")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(m), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		inside, err1 := strconv.ParseInt(f[0], 10, 64)
		count, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 == nil && err2 == nil && int64(ovf) >= inside && int64(ovf) < inside+count {
			return 0 // a real ID here
		}
	}
	return ovf
}

var namesCache struct {
	sync.Mutex
	passwd, group  string
	mtimeP, mtimeG time.Time
	n              *names
}

// loadNames reads the two files, reusing the last result while neither
// file has changed.
func loadNames(passwd, group string) *names {
	mt := func(p string) time.Time {
		st, err := os.Stat(p)
		if err != nil {
			return time.Time{}
		}
		return st.ModTime()
	}
	mp, mg := mt(passwd), mt(group)
	namesCache.Lock()
	defer namesCache.Unlock()
	c := &namesCache
	if c.n != nil && c.passwd == passwd && c.group == group && c.mtimeP.Equal(mp) && c.mtimeG.Equal(mg) {
		return c.n
	}
	n := &names{users: readIDFile(passwd), groups: readIDFile(group), unmappedUID: overflowUnmapped("uid"), unmappedGID: overflowUnmapped("gid")}
	c.passwd, c.group, c.mtimeP, c.mtimeG, c.n = passwd, group, mp, mg, n
	return n
}

// readIDFile maps the third field (the ID) to the first (the name) of a
// passwd- or group-style file. Unreadable files give an empty map.
func readIDFile(path string) map[int]string {
	m := map[int]string{}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		f := strings.SplitN(line, ":", 4)
		if len(f) < 3 {
			continue
		}
		id, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		if _, dup := m[id]; !dup {
			m[id] = Printable(f[0])
		}
	}
	return m
}

func (n *names) user(uid int) string {
	if n != nil {
		if s, ok := n.users[uid]; ok {
			return s
		}
	}
	return strconv.Itoa(uid)
}

func (n *names) group(gid int) string {
	if n != nil {
		if s, ok := n.groups[gid]; ok {
			return s
		}
	}
	return strconv.Itoa(gid)
}

// withIDs returns names that also answer, without allocating, for every
// id given that the files do not name (as its number). The cached names
// are never written: a scan's workers read them concurrently.
func (n *names) withIDs(uids, gids []int) *names {
	return &names{users: withNumbers(n.users, uids), groups: withNumbers(n.groups, gids), unmappedUID: n.unmappedUID, unmappedGID: n.unmappedGID}
}

func withNumbers(m map[int]string, ids []int) map[int]string {
	out, cloned := m, false
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		if !cloned {
			out, cloned = make(map[int]string, len(m)+8), true
			maps.Copy(out, m)
		}
		out[id] = strconv.Itoa(id)
	}
	return out
}

// uidOf finds a user's uid by name.
func (n *names) uidOf(name string) (int, bool) {
	if n == nil {
		return 0, false
	}
	if id, err := strconv.Atoi(name); err == nil && id >= 0 {
		return id, true // a uid given as a number
	}
	for id, s := range n.users {
		if s == name {
			return id, true
		}
	}
	return 0, false
}
