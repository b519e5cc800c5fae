package ipc

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Apache knowledge: the server ipcscope exists for. Facts (verified with
// apache2 2.4 and APR 1.7, ../shared/research/ipc-facts.md §8 and §10):
//
//   - Its SysV mutexes have one shape (APR proc_mutex_sysv_create plus
//     ap_unixd_set_proc_mutex_perms): key 0 (IPC_PRIVATE), 1 semaphore,
//     mode 0600, created by root (cuid/cgid 0), owned by Apache's User.
//   - Key 0: only the instance that made a set can know its ID.
//   - An instance is a root parent (apache2 or httpd) and its children; it
//     makes its sets when it starts and again at every graceful restart
//     (removing the old ones itself), all in one burst, and SETVAL leaves
//     the parent's PID in each.
//
// So a set of that shape is an orphan when no Apache runs in the
// namespace, or when it is older than every running instance's sets.

// apacheBurst is how far apart in ctime the sets of one start (or one
// graceful restart) may be: they are made within a fraction of a second,
// and ctime has whole seconds. A set this close to a running instance's
// sets is taken for one of them.
const apacheBurst = 5 * time.Second

// apacheCommands are the names Apache's processes run under: Debian's
// apache2, upstream's and RHEL's httpd (httpd.worker, httpd.event on old
// RHEL).
func isApacheComm(comm string) bool {
	return comm == "apache2" || comm == "httpd" || strings.HasPrefix(comm, "httpd.")
}

// apacheInstance is a running Apache parent with what its sets show.
type apacheInstance struct {
	parent *Process
	// anchor is the earliest ctime among the Apache-shaped sets that a
	// live process of this instance (the parent or a descendant) last
	// changed: when its current sets were made. Zero: none seen.
	anchor   time.Time
	anchorID int
	// launch is the launch window (launchWindow, read once per scan).
	launch time.Duration
	// renamed is true for a root process with APR mapped but another name
	// than apache2 or httpd (see findRenamed).
	renamed bool
	// Reasons, made once the anchors are known (makeReasons).
	anchorReason, startReason, clockReason string
}

// defaultApacheLaunch is how much older than the parent's start time its
// own sets can be: mod_ssl makes its session-cache mutex in the launcher,
// before it detaches and the daemon (the parent we see) is forked, and
// keeps it across graceful restarts (the red team's a16). It does so
// before asking for a key's pass phrase, so the launch can take as long
// as whoever types it (round 2's ap01: 40 s). IPCSCOPE_APACHE_LAUNCH
// (a Go duration) sets another window.
const defaultApacheLaunch = 10 * time.Minute

// launchWindow is the window in force.
func launchWindow() time.Duration {
	if v := os.Getenv("IPCSCOPE_APACHE_LAUNCH"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			return d
		}
	}
	return defaultApacheLaunch
}

// cutoff is the ctime before which a set cannot be one of the instance's.
// Every set the instance made since its launcher started is its own: the
// first start's (some of which, like mod_ssl's session cache mutex, live
// through every graceful restart) and each graceful restart's. So the
// line is the parent's start time less apacheLaunch, or, when earlier, a
// burst before the earliest set of it that a live process of the
// instance uses (the anchor: a kernel-written ctime, which a stepped
// clock does not move).
func (in *apacheInstance) cutoff() time.Time {
	cut := in.parent.Start.Add(-in.launch)
	if !in.anchor.IsZero() {
		if byAnchor := in.anchor.Add(-apacheBurst); byAnchor.Before(cut) {
			cut = byAnchor
		}
	}
	return cut
}

// clockChecked reports whether the instance's start time, computed with
// today's clock, is borne out by one of its sets made at its first start:
// an anchor within apacheLaunch of the start. Then the clock has not been
// stepped forward by more than that since, and a set older than the
// cutoff is older than the instance. Without it (no anchor, or only a set
// of a later graceful restart, made long after the start), the start time
// alone cannot tell a stepped clock from an old set.
func (in *apacheInstance) clockChecked() bool {
	if in.anchor.IsZero() {
		return false
	}
	d := in.anchor.Sub(in.parent.Start)
	return d >= -in.launch && d <= in.launch
}

// apacheFacts is what one scan knows of Apache in the namespace.
type apacheFacts struct {
	// users are the uids Apache runs its children as, each with where
	// that was learned.
	users map[int]string
	// procs counts the Apache processes in the namespace.
	procs     int
	instances []*apacheInstance
	// strays are Apache processes that are not root and whose parent is
	// not Apache: children whose parent died (they keep serving, and keep
	// using the mutexes).
	strays []*Process
	// byPID maps the PID of a process of an instance to it (filled while
	// anchoring, read while judging).
	byPID map[int]*apacheInstance

	// Reasons shared by thousands of sets, made once (makeReasons).
	shapeReasons                     map[int]string
	goneNone, goneOlder, strayReason string
	renamedChecked                   bool
}

// shape reports whether s looks like an Apache mutex of a known Apache
// user.
func (a *apacheFacts) shape(s *Set) bool {
	if a == nil || s.Key != 0 || s.NSems != 1 || s.Perms != 0o600 || s.CUID != 0 || s.CGID != 0 || s.UID == 0 {
		return false
	}
	_, ok := a.users[s.UID]
	return ok
}

// shapeReason says why s counts as Apache's (made once per user: a scan
// of 32,000 leaked sets shares them).
func (a *apacheFacts) shapeReason(s *Set) string { return a.shapeReasons[s.UID] }

func (a *apacheFacts) makeReasons(n *names) {
	a.shapeReasons = make(map[int]string, len(a.users))
	for uid, where := range a.users {
		a.shapeReasons[uid] = "Apache's mutex: key 0, 1 semaphore, 0600, made by root for " + n.user(uid) + " (Apache's User: " + where + ")"
	}
	a.goneNone = "no Apache runs in this IPC namespace: none is left that could know its ID (key 0)"
	if len(a.strays) > 0 {
		a.strayReason = fmt.Sprintf("Apache children whose parent has gone still run (%s): they keep using the mutexes of their instance, and may use this one, so every Apache set is kept; settles when they exit", pidList(a.strays))
	}
	var older []string
	for _, in := range a.instances {
		p := in.parent
		who := fmt.Sprintf("the running Apache PID %d", p.PID)
		if in.renamed {
			who = fmt.Sprintf("PID %d (%s, a root process with APR's library mapped: a renamed httpd?)", p.PID, p.Comm)
		}
		in.startReason = fmt.Sprintf("made after %s was launched (it started %s; its sets can be up to %v older, made by its launcher, and mod_ssl keeps its session-cache mutex from then across graceful restarts): it may be one of that instance's sets", who, clock(p.Start), in.launch)
		if in.anchor.IsZero() {
			in.clockReason = fmt.Sprintf("made before %s was launched (it started %s), by the clock only: none of that instance's sets has a live operator to check the clock by, and a stepped clock would look the same; settles once its children use their mutexes again", who, clock(p.Start))
			continue
		}
		in.clockReason = fmt.Sprintf("made before %s was launched (it started %s), by the clock only: its sets with a live operator (set %d, made %s) date from a graceful restart, not from its start, so they cannot show that the clock was not stepped since; settles once a set of its first start is used again", who, clock(p.Start), in.anchorID, clock(in.anchor))
		in.anchorReason = fmt.Sprintf("made in the same start as the sets of %s (set %d, made %s, has a live operator of that instance), or later: it belongs to that instance", who, in.anchorID, clock(in.anchor))
		older = append(older, fmt.Sprintf("PID %d started %s and was launched at most %v before; its set %d, used by a live process of it, was made %s, which shows the clock was not stepped since", p.PID, clock(p.Start), in.launch, in.anchorID, clock(in.anchor)))
	}
	a.goneOlder = fmt.Sprintf("made before every running Apache was launched (%s): an Apache makes its sets when it is launched and at graceful restarts, so this one belongs to an instance that is gone", strings.Join(older, "; "))
}

// learnApache finds Apache's processes among procs (already limited to
// the namespace) and Apache's users from them and from the configuration
// under confRoot.
func learnApache(procs []*Process, byPID map[int]*Process, confRoot string, n *names) *apacheFacts {
	a := &apacheFacts{users: map[int]string{}, byPID: map[int]*apacheInstance{}}
	isApache := func(p *Process) bool { return p != nil && !p.Zombie() && isApacheComm(p.Comm) }
	for _, p := range procs {
		if !isApache(p) {
			continue
		}
		a.procs++
		parent := byPID[p.PPID]
		switch {
		case isApache(parent):
			// A child. Its effective uid is Apache's User.
			if u := p.UIDs[1]; u != 0 {
				if _, ok := a.users[u]; !ok {
					a.users[u] = "the running Apache's children run as it"
				}
			}
		case hasUID(p, 0):
			a.instances = append(a.instances, &apacheInstance{parent: p, launch: launchWindow()})
		default:
			a.strays = append(a.strays, p)
		}
	}
	for _, s := range a.strays {
		if u := s.UIDs[1]; u != 0 {
			if _, ok := a.users[u]; !ok {
				a.users[u] = "Apache processes run as it"
			}
		}
	}
	for uid, where := range configuredApacheUsers(confRoot, n) {
		if _, ok := a.users[uid]; !ok {
			a.users[uid] = where
		}
	}
	sort.Slice(a.instances, func(i, j int) bool { return a.instances[i].parent.PID < a.instances[j].parent.PID })
	a.makeReasons(n)
	return a
}

// findRenamed looks, besides the processes called apache2 or httpd, for
// processes of root or of Apache's User that have APR's library mapped (a
// renamed or custom-built httpd: its sets have the same shape, and taking
// it for gone would remove a running server's mutex). The topmost process
// of each one's parent chain that maps APR too counts as an Apache
// instance (the safe side: some other APR program run by root only keeps
// more sets); one with no root parent that maps APR counts as a stray
// child. It reads /proc/PID/maps only when there are Apache-shaped sets,
// and never of processes called apache2 or httpd (so a renamed httpd
// beside the distribution's, round 2's ap03, is found too). A maps file that cannot be read (a process
// of another security context) is no evidence either way: its children,
// if it is an httpd, show APR too.
func (a *apacheFacts) findRenamed(procs []*Process, byPID map[int]*Process, procRoot string, n *names) {
	if a == nil || a.renamedChecked {
		return
	}
	a.renamedChecked = true
	found := false
	aprCache := map[int]bool{}
	mapsAPR := func(p *Process) bool {
		if v, ok := aprCache[p.PID]; ok {
			return v
		}
		maps, err := os.ReadFile(procPath(procRoot, strconv.Itoa(p.PID), "maps"))
		v := err == nil && bytes.Contains(maps, []byte("libapr-1.so"))
		aprCache[p.PID] = v
		return v
	}
	seen := map[*Process]bool{}
	for _, p := range procs {
		if p.Zombie() {
			continue
		}
		if _, apacheUser := a.users[p.UIDs[1]]; !hasUID(p, 0) && !apacheUser {
			continue
		}
		if isApacheComm(p.Comm) || !mapsAPR(p) {
			continue // named Apache processes are counted already
		}
		found = true
		a.procs++
		// The parent is the topmost process of its chain that maps APR
		// too (a renamed httpd's parent does; the shell that started it
		// does not).
		top := p
		for q, steps := byPID[p.PPID], 0; q != nil && steps < 64 && !q.Zombie() && mapsAPR(q); q, steps = byPID[q.PPID], steps+1 {
			top = q
		}
		if seen[top] {
			continue
		}
		seen[top] = true
		if hasUID(top, 0) {
			a.instances = append(a.instances, &apacheInstance{parent: top, renamed: true, launch: launchWindow()})
		} else {
			a.strays = append(a.strays, top)
		}
	}
	if found {
		sort.Slice(a.instances, func(i, j int) bool { return a.instances[i].parent.PID < a.instances[j].parent.PID })
		a.makeReasons(n)
	}
}

// instanceOf returns the running instance that process p belongs to: the
// parent itself or one of its descendants.
func (a *apacheFacts) instanceOf(p *Process, byPID map[int]*Process) *apacheInstance {
	for steps := 0; p != nil && steps < 64; steps++ {
		if steps > 0 && p.Zombie() {
			return nil // an ancestor that is gone holds nothing
		}
		for _, in := range a.instances {
			if in.parent == p {
				return in
			}
		}
		if p.PPID == p.PID {
			return nil
		}
		p = byPID[p.PPID]
	}
	return nil
}

// anchor notes, for an Apache-shaped set whose operators are known, which
// running instance it belongs to: one of its live operators is a process
// of that instance. Called once per set, sequentially.
func (a *apacheFacts) anchor(s *Set, byPID map[int]*Process) {
	for _, op := range s.Operators {
		// A process of the instance that started later than the set's last
		// change by the clock counts too (after a clock step every start
		// time moves), and so does a zombie child not yet reaped (a child
		// recycled after MaxConnectionsPerChild: its parent is still
		// known). If either is a reused PID instead, the anchor only gets
		// older, and older sets are kept: the safe side.
		if op.State != OpRunning && op.State != OpLater && op.State != OpZombie {
			continue
		}
		in, ok := a.byPID[op.PID]
		if !ok {
			in = a.instanceOf(byPID[op.PID], byPID)
			a.byPID[op.PID] = in
		}
		if in == nil {
			continue
		}
		if in.anchor.IsZero() || s.CTime.Before(in.anchor) {
			in.anchor, in.anchorID = s.CTime.Time, s.ID
		}
	}
}

// carryAnchors gives the instances that were running in old (same parent
// PID and start time) the anchors old had found.
func (a *apacheFacts) carryAnchors(old *apacheFacts, n *names) {
	for _, in := range a.instances {
		for _, o := range old.instances {
			if o.parent.PID == in.parent.PID && o.parent.Start.Equal(in.parent.Start) {
				in.anchor, in.anchorID = o.anchor, o.anchorID
			}
		}
	}
	a.makeReasons(n)
}

// judgeApache decides an Apache-shaped set that has no waiter and no live
// operator, with every process of the namespace visible.
func (a *apacheFacts) judgeApache(s *Set, reasons []string) (Verdict, Rule, []string) {
	reasons = append(reasons, a.shapeReason(s))
	if a.procs == 0 {
		return Orphan, RuleApacheGone, append(reasons, a.goneNone)
	}
	if len(a.strays) > 0 {
		// They keep serving with their instance's mutexes, and which sets
		// those are cannot be told: all are kept, --include-stale too
		// (the red team's round 3, c05, lost a stray's rewrite-map mutex).
		return Live, RuleApacheStrays, append(reasons, a.strayReason)
	}
	var clockOnly *apacheInstance
	for _, in := range a.instances {
		if !s.CTime.Before(in.cutoff()) {
			if !in.anchor.IsZero() && !s.CTime.Before(in.anchor.Add(-apacheBurst)) {
				return Live, RuleApacheInstance, append(reasons, in.anchorReason)
			}
			return Live, RuleApacheInstance, append(reasons, in.startReason)
		}
		if !in.clockChecked() && clockOnly == nil {
			clockOnly = in
		}
	}
	if clockOnly != nil {
		return Stale, RuleApacheClock, append(reasons, clockOnly.clockReason)
	}
	return Orphan, RuleApacheGone, append(reasons, a.goneOlder)
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func hasUID(p *Process, uid int) bool {
	for _, u := range p.UIDs {
		if u == uid {
			return true
		}
	}
	return false
}

func pidList(procs []*Process) string {
	var parts []string
	for i, p := range procs {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("and %d more", len(procs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("PID %d %s", p.PID, p.Comm))
	}
	return strings.Join(parts, ", ")
}

// Apache's configured User, without starting it or running apache2ctl
// (which takes longer than a whole scan): Debian's envvars
// (APACHE_RUN_USER), a literal User directive in the main configuration,
// and the distributions' defaults when Apache is installed.

var (
	envvarsUser = regexp.MustCompile(`(?m)^\s*(?:export\s+)?APACHE_RUN_USER=["']?([A-Za-z0-9._-]+)`)
	userLine    = regexp.MustCompile(`(?mi)^\s*User\s+["']?([A-Za-z0-9._#-]+)`)
)

var apacheConfCache struct {
	sync.Mutex
	root  string
	stamp string
	users map[string]string // user name -> where
}

// apacheConfigFiles are where the distributions keep what names Apache's
// User: the file, and whether it is Debian's envvars.
var apacheConfigFiles = []struct {
	path    string
	envvars bool
}{
	{"etc/apache2/envvars", true},
	{"etc/apache2/apache2.conf", false},
	{"etc/httpd/conf/httpd.conf", false},
	{"usr/local/apache2/conf/httpd.conf", false},
}

// configuredApacheUsers maps the uids of Apache's configured users to
// where each was found.
func configuredApacheUsers(root string, n *names) map[int]string {
	if root == "" {
		root = "/"
	}
	byName := apacheUserNames(root)
	if u := os.Getenv("APACHE_RUN_USER"); u != "" {
		// What apache2ctl takes from envvars, set in the environment.
		byName = maps.Clone(byName)
		byName[u] = "the APACHE_RUN_USER environment variable"
	}
	out := map[int]string{}
	for name, where := range byName {
		if uid, ok := n.uidOf(name); ok && uid != 0 {
			out[uid] = where
		}
	}
	return out
}

// apacheUserNames reads the files (cached while none changes).
func apacheUserNames(root string) map[string]string {
	var stamp strings.Builder
	files := apacheConfigFiles
	// apache2ctl reads ${APACHE_CONFDIR}/envvars; so do we.
	if dir := os.Getenv("APACHE_CONFDIR"); dir != "" && root == "/" {
		files = append([]struct {
			path    string
			envvars bool
		}{{strings.TrimPrefix(filepath.Join(dir, "envvars"), "/"), true}}, files...)
	}
	type found struct {
		path    string
		envvars bool
		mtime   time.Time
	}
	var present []found
	for _, f := range files {
		st, err := os.Stat(filepath.Join(root, f.path))
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		present = append(present, found{f.path, f.envvars, st.ModTime()})
		stamp.WriteString(f.path + "@" + strconv.FormatInt(st.ModTime().UnixNano(), 10) + ";")
	}
	for _, bin := range []string{"usr/sbin/apache2", "usr/sbin/httpd"} {
		if _, err := os.Stat(filepath.Join(root, bin)); err == nil {
			stamp.WriteString(bin + ";")
		}
	}
	c := &apacheConfCache
	c.Lock()
	defer c.Unlock()
	if c.users != nil && c.root == root && c.stamp == stamp.String() {
		return c.users
	}
	users := map[string]string{}
	for _, f := range present {
		b, err := os.ReadFile(filepath.Join(root, f.path))
		if err != nil || len(b) > 1<<20 {
			continue
		}
		re := userLine
		if f.envvars {
			re = envvarsUser
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			name := string(m[1])
			if strings.HasPrefix(name, "#") || strings.HasPrefix(name, "$") {
				continue // a uid number or a variable: not a name we can use
			}
			if _, ok := users[name]; !ok {
				users[name] = "/" + f.path
			}
		}
	}
	// Distribution defaults, when Apache is installed but names nobody.
	if len(users) == 0 {
		if exists(filepath.Join(root, "usr/sbin/apache2")) || exists(filepath.Join(root, "etc/apache2")) {
			users["www-data"] = "Debian's default, no User found in /etc/apache2"
		}
		if exists(filepath.Join(root, "usr/sbin/httpd")) || exists(filepath.Join(root, "etc/httpd")) {
			users["apache"] = "RHEL's default, no User found in /etc/httpd"
		}
	}
	c.root, c.stamp, c.users = root, stamp.String(), users
	return users
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
