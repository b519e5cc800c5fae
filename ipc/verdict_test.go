package ipc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The verdict rules on synthetic process tables; the kernel tests prove the
// same rules on real sets.

const ns = 4026532000

var t0 = time.Unix(1795640000, 0)

func table(procs ...*Process) *ProcTable {
	t := &ProcTable{ByPID: map[int]*Process{}, ByUID: map[int][]*Process{}}
	for _, p := range procs {
		t.add(p)
	}
	return t
}

func proc(pid, uid int, comm string, start time.Time) *Process {
	return &Process{PID: pid, Comm: comm, State: 'S', UIDs: [4]int{uid, uid, uid, uid}, Start: start, IPCNS: ns}
}

// apacheSet is a set of Apache's shape (key 0, 1 semaphore, 0600, made by
// root for www-data) made at ctime.
func apacheSet(ctime time.Time, sems ...Semaphore) Set {
	for i := range sems {
		sems[i].Num = i
	}
	return Set{ID: 2, UID: 33, CUID: 0, GID: 33, Perms: 0o600, NSems: len(sems), Sems: sems, OTime: Unix(t0.Unix()), CTime: Unix(ctime.Unix())}
}

// plainSet is a set of no known program's shape: 3 semaphores, key 0,
// owned and made by uid, mode 0600.
func plainSet(uid int, sems ...Semaphore) Set {
	for i := range sems {
		sems[i].Num = i
	}
	return Set{ID: 3, UID: uid, CUID: uid, GID: uid, CGID: uid, Perms: 0o600, NSems: len(sems), Sems: sems, OTime: Unix(t0.Unix()), CTime: Unix(t0.Unix() - 10)}
}

func verdictOf(s Set, env *judgeEnv, readErr error) (Verdict, Rule, string) {
	sets := []Set{s}
	env.prepare(sets)
	if judgeOperators(&sets[0], env, readErr, &arena{}) {
		env.anchorAll(sets)
		decide(&sets[0], env, &arena{})
	}
	return sets[0].Verdict, sets[0].Rule, strings.Join(sets[0].Reasons, " | ")
}

// apacheConf is a configuration root whose Debian envvars names www-data.
func apacheConf(t *testing.T) string {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/apache2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/apache2/envvars"), []byte("unset HOME\nexport APACHE_RUN_USER=www-data\nexport APACHE_RUN_GROUP=www-data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

var testNames = &names{users: map[int]string{0: "root", 33: "www-data", 1000: "deploy", 2000: "php"}, groups: map[int]string{0: "root", 33: "www-data", 50: "staff"}}

func TestJudgeRules(t *testing.T) {
	// The Apache cases below are written for a 30 s launch window.
	t.Setenv("IPCSCOPE_APACHE_LAUNCH", "30s")
	conf := apacheConf(t)
	early := t0.Add(-time.Hour)
	zombie := proc(100, 0, "apache2", early)
	zombie.State = 'Z'
	foreign := proc(100, 0, "other", early)
	foreign.IPCNS = ns + 1
	kthread := &Process{PID: 100, PPID: 2, Comm: "kworker/0:1", State: 'I', Start: early, Kernel: true}
	// Inside a container (own PID namespace, docker --init): PID 2 is the
	// app and its workers have PPID 2. Not kernel threads.
	containerApp := proc(2, 1000, "app", early)
	containerWorker := proc(100, 1000, "worker", early)
	containerWorker.PPID = 2
	unreadableNS := proc(300, 1000, "deploy-job", early)
	unreadableNS.IPCNS = 0
	otherNSUser := proc(300, 1000, "deploy-job", early)
	otherNSUser.IPCNS = ns + 1
	fpmMaster := proc(400, 0, "php-fpm8.2", early)
	fpmWorker := child(proc(401, 33, "php-fpm8.2", early), fpmMaster)
	nginxWorker := proc(410, 33, "nginx", early)
	sshd := proc(420, 0, "sshd", early)
	staffer := proc(430, 1000, "job", early)
	staffer.Groups = []int{50}

	// A running Apache: root parent started at t0-10m, children www-data.
	parentStart := t0.Add(-10 * time.Minute)
	parent := proc(500, 0, "apache2", parentStart)
	kid := child(proc(501, 33, "apache2", t0.Add(-5*time.Minute)), parent)
	// The same Apache's own set (made at its start) whose last operator
	// is a live child: the anchor that dates the instance's sets.
	own := apacheSet(parentStart, Semaphore{PID: 501})
	own.ID = 7
	strayKid := proc(600, 33, "apache2", early) // parent died: PPID 1

	cases := []struct {
		name     string
		set      Set
		others   []Set // more sets of the namespace (anchors)
		procs    []*Process
		hidden   bool
		alive    map[int]bool // kill(pid, 0) for PIDs /proc does not show
		readErr  error
		want     Verdict
		wantRule Rule
		why      string
	}{
		{"running operator", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{proc(100, 1000, "app", early)}, false, nil, nil, Live, RuleOperator, "PID 100 (app), which is still running"},
		{"started within slack", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{proc(100, 1000, "app", t0.Add(time.Second))}, false, nil, nil, Live, RuleOperator, "still running"},
		{"waiter only", plainSet(1000, Semaphore{PID: 100, NCount: 1}), nil, nil, false, nil, nil, Live, RuleWaiters, "waiting on it now"},
		{"zcount waiter, hidden PIDs", plainSet(1000, Semaphore{ZCount: 2}), nil, nil, true, nil, nil, Live, RuleWaiters, "ncount+zcount = 2"},
		{"dead operator, nobody let in", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{sshd}, false, nil, nil, Orphan, RuleNoHolders, "PID 100 has exited"},
		{"zombie operator", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{zombie}, false, nil, nil, Orphan, RuleNoHolders, "zombie"},
		// Issue 8 case 3: a PID that runs is never proof of disuse.
		{"PID runs but started later (reuse or clock step)", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{proc(100, 0, "bash", t0.Add(time.Hour))}, false, nil, nil, Stale, RuleStartedLater, "a reused PID, or the clock was stepped"},
		{"PID now a kernel thread (PF_KTHREAD)", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{kthread}, false, nil, nil, Orphan, RuleNoHolders, "kworker/0:1, a kernel thread"},
		// Issue 8 case 2: PID 2 and its children are no kernel threads.
		{"container app at PID 2 with workers", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{containerApp, containerWorker}, false, nil, nil, Live, RuleOperator, "PID 100 (worker)"},
		{"container app at PID 2 is a holder", plainSet(1000, Semaphore{PID: 99}), nil, []*Process{containerApp}, false, nil, nil, Stale, RuleHolders, "1 process of user deploy (app)"},
		{"PID in another IPC namespace", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{foreign}, false, nil, nil, Orphan, RuleNoHolders, "in another IPC namespace"},
		{"owner still runs processes", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{proc(200, 1000, "app", early), proc(201, 1000, "app", early)}, false, nil, nil, Stale, RuleHolders, "2 processes of user deploy (app ×2)"},
		{"owner's namespace unreadable counts", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{unreadableNS}, false, nil, nil, Stale, RuleHolders, "1 process of user deploy"},
		{"owner only in another namespace", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{otherNSUser}, false, nil, nil, Orphan, RuleNoHolders, "no process that its permissions let in"},
		{"one live among 17", plainSet(26, append(make([]Semaphore, 16), Semaphore{PID: 101})...), nil, []*Process{proc(101, 26, "postgres", early)}, false, nil, nil, Live, RuleOperator, "PID 101"},
		{"never changed, nobody let in", plainSet(1000, Semaphore{}, Semaphore{}), nil, nil, false, nil, nil, Orphan, RuleNoHolders, "ever changed (all sempids 0)"},
		{"never changed, hidden PIDs", plainSet(1000, Semaphore{}), nil, nil, true, nil, nil, Unknown, RuleNotVisible, "may hide a process"},
		{"dead operator, hidden PIDs", plainSet(1000, Semaphore{PID: 100}), nil, nil, true, nil, nil, Stale, RuleNotVisible, "may be invisible"},
		{"dead plus zero, hidden PIDs", plainSet(1000, Semaphore{PID: 100}, Semaphore{}), nil, nil, true, nil, nil, Stale, RuleNotVisible, "1 semaphore has sempid 0"},
		// Issue 8 case 4: hidden is not gone.
		{"operator hidden from /proc but alive", plainSet(1000, Semaphore{PID: 100}), nil, nil, false, map[int]bool{100: true}, nil, Live, RuleOperator, "alive (kill(pid, 0) finds it)"},
		{"operator missing and gone by kill", plainSet(1000, Semaphore{PID: 100}), nil, nil, false, map[int]bool{100: false}, nil, Orphan, RuleNoHolders, "PID 100 has exited"},
		{"unreadable", plainSet(1000, Semaphore{}), nil, nil, false, nil, errors.New("cannot read its semaphores: permission denied"), Unknown, RuleUnreadable, "permission denied"},
		{"root owned and made, root runs here", plainSet(0, Semaphore{PID: 100}), nil, []*Process{sshd}, false, nil, nil, Stale, RuleHolders, "2 processes of user root (init, sshd)"},
		// Issue 8 case 1, for a set of no known shape: made by root, handed
		// to www-data; root's processes may hold it.
		{"made by root for another user", func() Set {
			s := plainSet(33, Semaphore{PID: 100}, Semaphore{}, Semaphore{})
			s.CUID, s.CGID = 0, 0
			return s
		}(), nil, []*Process{sshd}, false, nil, nil, Stale, RuleHolders, "user root (init, sshd)"},
		// Issue 8 case 6: keyed sets can be found again by anyone let in.
		{"keyed 0666 set, another user runs", func() Set { s := plainSet(1000, Semaphore{PID: 100}); s.Key, s.Perms = 0x5100, 0o666; return s }(), nil, []*Process{proc(700, 2000, "php-cgi", early)}, false, nil, nil, Stale, RuleHolders, "found again with semget() by any process its permissions let in (mode 0666): 2 processes of users root, php (init, php-cgi) run in this IPC namespace"},
		{"keyed 0600 set, only strangers run", func() Set { s := plainSet(1000, Semaphore{PID: 100}); s.Key = 0x5100; return s }(), nil, []*Process{proc(700, 2000, "php-cgi", early)}, false, nil, nil, Stale, RuleKeyed, "find it again and expect the values it holds"},
		{"keyed 0660 set, a member of its group runs", func() Set {
			s := plainSet(33, Semaphore{PID: 100})
			s.Key, s.Perms, s.GID = 0x5100, 0o660, 50
			return s
		}(), nil, []*Process{staffer}, false, nil, nil, Stale, RuleHolders, "user deploy (job)"},
		{"a service with CAP_IPC_OWNER is let into every set", plainSet(1000, Semaphore{PID: 100}), nil, []*Process{func() *Process { p := proc(800, 2000, "ipc-daemon", early); p.IPCOwner = true; return p }()}, false, nil, nil, Stale, RuleHolders, "user php (ipc-daemon)"},
		{"keyed 0600 set, group member not let in", func() Set { s := plainSet(33, Semaphore{PID: 100}); s.Key, s.GID = 0x5100, 50; return s }(), nil, []*Process{staffer}, false, nil, nil, Stale, RuleKeyed, "no process that its permissions let in"},

		// Apache's sets.
		// Issue 8 case 7: php-fpm and nginx as www-data, no Apache.
		{"Apache's set, no Apache, php-fpm and nginx as www-data", apacheSet(early, Semaphore{PID: 100}), nil, []*Process{sshd, fpmMaster, fpmWorker, nginxWorker}, false, nil, nil, Orphan, RuleApacheGone, "no Apache runs in this IPC namespace"},
		{"Apache's set names the User's source", apacheSet(early, Semaphore{PID: 100}), nil, nil, false, nil, nil, Orphan, RuleApacheGone, "/etc/apache2/envvars"},
		// Issue 8 case 1: the root parent alive, every child just killed.
		{"running Apache parent, children killed, its own set", apacheSet(parentStart, Semaphore{PID: 501}), nil, []*Process{parent}, false, nil, nil, Live, RuleApacheInstance, "after the running Apache PID 500 was launched"},
		{"running Apache parent, children killed, older set", apacheSet(early, Semaphore{PID: 90}), nil, []*Process{parent}, false, nil, nil, Stale, RuleApacheClock, "by the clock only"},
		// Issue 8 case 8: a new Apache beside old leaks.
		{"running Apache, its own set with a dead child operator", apacheSet(parentStart, Semaphore{PID: 90}), []Set{own}, []*Process{parent, kid, fpmWorker}, false, nil, nil, Live, RuleApacheInstance, "made in the same start as the sets of the running Apache PID 500 (set 7"},
		{"running Apache, a dead instance's set", apacheSet(early, Semaphore{PID: 90}), []Set{own}, []*Process{parent, kid, fpmWorker}, false, nil, nil, Orphan, RuleApacheGone, "belongs to an instance that is gone"},
		// Within the launch window before the start: the launcher's own
		// sets (mod_ssl's session cache) are there; kept.
		{"a set 20 s before the start: the launcher's", apacheSet(parentStart.Add(-20*time.Second), Semaphore{PID: 90}), []Set{own}, []*Process{parent, kid}, false, nil, nil, Live, RuleApacheInstance, "was launched"},
		{"a set 40 s before the start, first start's set in use (30 s window)", apacheSet(parentStart.Add(-40*time.Second), Semaphore{PID: 90}), []Set{own}, []*Process{parent, kid}, false, nil, nil, Orphan, RuleApacheGone, "belongs to an instance that is gone"},
		// A graceful restart 10 minutes after the start: the live sets
		// are the new generation's; mod_ssl's session-cache mutex of the
		// first start, its last user a child of the old generation, stays.
		{"graceful: the first start's set with a dead operator", apacheSet(parentStart, Semaphore{PID: 90}), []Set{graceful(own, parentStart.Add(10*time.Minute))}, []*Process{parent, kid}, false, nil, nil, Live, RuleApacheInstance, "was launched"},
		{"graceful: an older leak, clock not checked", apacheSet(early, Semaphore{PID: 90}), []Set{graceful(own, parentStart.Add(10*time.Minute))}, []*Process{parent, kid}, false, nil, nil, Stale, RuleApacheClock, "date from a graceful restart"},
		{"quick restart: a set of the same burst, 1 s before the anchor", apacheSet(parentStart.Add(-time.Second), Semaphore{PID: 90}), []Set{own}, []*Process{parent, kid}, false, nil, nil, Live, RuleApacheInstance, "set 7"},
		{"clock stepped 1 s forward: the burst still counts", apacheSet(parentStart.Add(-time.Second), Semaphore{PID: 90}), []Set{own}, []*Process{shifted(parent, time.Second), shifted(kid, time.Second)}, false, nil, nil, Live, RuleApacheInstance, "set 7"},
		{"running Apache, a set made after it (graceful)", apacheSet(t0, Semaphore{PID: 500}), []Set{own}, []*Process{parent, kid}, false, nil, nil, Live, RuleOperator, "PID 500 (apache2)"},
		// Issue 8 case 3 for Apache: the clock stepped forward an hour
		// after Apache started, so its computed start is later than its
		// sets; the anchor (a set it uses) still dates them.
		{"clock stepped forward, own set with dead operator", apacheSet(parentStart, Semaphore{PID: 90}), []Set{own}, []*Process{shifted(parent, time.Hour), shifted(kid, time.Hour)}, false, nil, nil, Live, RuleApacheInstance, "set 7"},
		// A child recycled a moment ago, not yet reaped: a zombie whose
		// parent is the running Apache still dates that Apache's sets.
		{"a zombie child dates its instance's sets", apacheSet(early, Semaphore{PID: 90}), []Set{func() Set { s := own; s.Sems = []Semaphore{{PID: 502}}; return s }()}, []*Process{parent, func() *Process {
			z := child(proc(502, 33, "apache2", t0.Add(-time.Minute)), parent)
			z.State = 'Z'
			return z
		}()}, false, nil, nil, Orphan, RuleApacheGone, "set 7"},
		{"Apache children whose parent died", apacheSet(early, Semaphore{PID: 90}), nil, []*Process{strayKid}, false, nil, nil, Live, RuleApacheStrays, "PID 600 apache2"},
		// Round 3's c02: inside the container its running Apache is in
		// plain view: its sets are live, not merely "not visible".
		{"a running Apache's set from inside its container", apacheSet(parentStart, Semaphore{PID: 90}), nil, []*Process{parent, kid}, true, nil, nil, Live, RuleApacheInstance, "was launched"},
		{"Apache's set from a nested PID namespace", apacheSet(early, Semaphore{PID: 90}), nil, nil, true, nil, nil, Stale, RuleNotVisible, "nothing is called orphan from here"},
		{"Apache's shape but the owner is not Apache's User", func() Set { s := apacheSet(early, Semaphore{PID: 90}); s.UID = 1000; return s }(), nil, []*Process{sshd}, false, nil, nil, Stale, RuleHolders, "user root (init, sshd)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			procs := append([]*Process{proc(1, 0, "init", early)}, c.procs...)
			tbl := table(procs...)
			env := envFrom(tbl, ns, testNames, !c.hidden, "nested PID namespace", c.alive == nil, conf, t.TempDir())
			env.alive = c.alive
			sets := append([]Set{c.set}, c.others...)
			env.prepare(sets)
			if c.alive != nil {
				env.alive = c.alive
			}
			a := &arena{}
			var next []bool
			for i := range sets {
				next = append(next, judgeOperators(&sets[i], env, c.readErr, a))
				c.readErr = nil
			}
			env.anchorAll(sets)
			if next[0] {
				decide(&sets[0], env, a)
			}
			got, why := sets[0], strings.Join(sets[0].Reasons, " | ")
			if got.Verdict != c.want || got.Rule != c.wantRule || !strings.Contains(why, c.why) {
				t.Fatalf("verdict %s by %s (%s), want %s by %s containing %q", got.Verdict, got.Rule, why, c.want, c.wantRule, c.why)
			}
		})
	}
}

func child(p, parent *Process) *Process { p.PPID = parent.PID; return p }

// graceful is s made anew at t (a graceful restart's set).
func graceful(s Set, t time.Time) Set {
	s.CTime, s.OTime = Unix(t.Unix()), Unix(t.Unix())
	s.ID = 9
	return s
}

// shifted is p as a stepped clock shows it: every start time moves.
func shifted(p *Process, d time.Duration) *Process {
	q := *p
	q.Start = q.Start.Add(d)
	return &q
}

func TestApacheUsersFromConfig(t *testing.T) {
	n := &names{users: map[int]string{33: "www-data", 48: "apache", 1: "daemon", 77: "web"}}
	root := t.TempDir()
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := configuredApacheUsers(root, n); len(got) != 0 {
		t.Fatalf("nothing installed: %v", got)
	}
	write("usr/sbin/httpd", "")
	if got := configuredApacheUsers(root, n); got[48] == "" || len(got) != 1 {
		t.Fatalf("RHEL default: %v", got)
	}
	write("etc/httpd/conf/httpd.conf", "ServerRoot /etc/httpd\n  User web\nGroup web\n# User nobody\n")
	if got := configuredApacheUsers(root, n); got[77] != "/etc/httpd/conf/httpd.conf" || len(got) != 1 {
		t.Fatalf("httpd.conf User: %v", got)
	}
	write("etc/apache2/envvars", "export APACHE_RUN_USER='www-data'\n")
	write("etc/apache2/apache2.conf", "User ${APACHE_RUN_USER}\n")
	if got := configuredApacheUsers(root, n); got[33] != "/etc/apache2/envvars" || got[77] == "" {
		t.Fatalf("envvars: %v", got)
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"apache2":          "apache2",
		"\n\x1b[2J":        `\x0a\x1b[2J`,
		"a\x9bb":           `a\x9bb`, // a raw C1 byte: invalid UTF-8
		"a\u009bb":         `a\x9bb`, // CSI as a UTF-8 rune
		"evil\u202etxt":    `evil\u202etxt`,
		"caf\u00e9 \u2603": "caf\u00e9 \u2603",
		"del\x7f":          `del\x7f`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseStatFlagsKernelThread(t *testing.T) {
	bt := time.Unix(1795600000, 0)
	line := func(pid, ppid int, flags uint64) []byte {
		return []byte(fmt.Sprintf("%d (x) S %d 0 0 0 -1 %d 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0", pid, ppid, flags))
	}
	for _, c := range []struct {
		pid, ppid int
		flags     uint64
		kernel    bool
	}{{2, 0, 0x208040, true}, {57, 2, 0x4208060, true}, {2, 1, 0x400100, false}, {100, 2, 0x400100, false}} {
		p, err := parseStat(line(c.pid, c.ppid, c.flags), bt)
		if err != nil || p.Kernel != c.kernel {
			t.Errorf("pid %d ppid %d flags %#x: kernel %v, want %v (%v)", c.pid, c.ppid, c.flags, p != nil && p.Kernel, c.kernel, err)
		}
	}
}

func TestMountSuperOptions(t *testing.T) {
	mi := []byte("22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw,hidepid=invisible\n" +
		"30 28 0:27 / /sys rw - sysfs sysfs rw\n")
	if o, ok := mountSuperOptions(mi, "/proc"); !ok || o != "rw,hidepid=invisible" {
		t.Fatalf("%q %v", o, ok)
	}
	if _, ok := mountSuperOptions(mi, "/sys"); ok {
		t.Fatal("sysfs taken for proc")
	}
}

func TestDiagnose(t *testing.T) {
	l := Limits{SEMMNI: 10, SEMMNS: 1000, SHMMNI: 100, MSGMNI: 100}
	if d := Diagnose(l, Usage{Sets: 7, Semaphores: 7}); len(d) != 0 {
		t.Fatalf("70%%: %+v", d)
	}
	d := Diagnose(l, Usage{Sets: 8, Semaphores: 8})
	if len(d) != 1 || d[0].Severity != SevWarn || !strings.Contains(d[0].Message, "SEMMNI at 80%") {
		t.Fatalf("80%%: %+v", d)
	}
	d = Diagnose(l, Usage{Sets: 10, Semaphores: 10, Orphans: 9, Live: 1})
	if len(d) != 1 || d[0].Severity != SevCrit || !strings.Contains(d[0].Message, "SEMMNI full: 10 of 10") || !strings.Contains(d[0].Message, "9 of the 10 sets in use are orphans") {
		t.Fatalf("full: %+v", d)
	}
	d = Diagnose(Limits{SEMMNI: 32000, SEMMNS: 100}, Usage{Sets: 5, Semaphores: 100})
	if len(d) != 1 || d[0].Resource != "SEMMNS" {
		t.Fatalf("SEMMNS: %+v", d)
	}
}

func TestOperatorsGroupSemaphoresByPID(t *testing.T) {
	s := plainSet(1000, Semaphore{PID: 5}, Semaphore{}, Semaphore{PID: 7}, Semaphore{PID: 5}, Semaphore{PID: 7}, Semaphore{PID: 7})
	env := &judgeEnv{procs: table(proc(1, 0, "init", t0.Add(-time.Hour))), ns: ns, allVisible: true}
	for _, a := range []*arena{nil, {}} {
		ops := operators(&s, env, a)
		if len(ops) != 2 || ops[0].PID != 5 || ops[1].PID != 7 ||
			fmt.Sprint(ops[0].Sems) != "[0 3]" || fmt.Sprint(ops[1].Sems) != "[2 4 5]" {
			t.Fatalf("arena %v: %+v", a != nil, ops)
		}
		// Carved slices must not share room: appending to one leaves the
		// other alone.
		_ = append(ops[0].Sems, 99)
		if fmt.Sprint(ops[1].Sems) != "[2 4 5]" {
			t.Fatalf("semnums share storage: %+v", ops)
		}
	}
}

// The red team's a03: a main thread that exited (pthread_exit in main)
// shows as a zombie while its other threads run: the process lives.
func TestZombieLeaderWithThreadsLives(t *testing.T) {
	p := proc(100, 1000, "app", t0.Add(-time.Hour))
	p.State, p.Threads = 'Z', 2
	if p.Zombie() {
		t.Fatal("a zombie main thread with a live thread taken for a dead process")
	}
	p.Threads = 1
	if !p.Zombie() {
		t.Fatal("a real zombie not taken for one")
	}
}

// The red team's a27 and a05: threads with their own credentials or IPC
// namespace keep a set from being unused.
func TestThreadsCount(t *testing.T) {
	early := t0.Add(-time.Hour)
	for _, c := range []struct {
		name   string
		thread thread
		want   Verdict
	}{
		{"a thread runs as the owner", thread{UIDs: [4]int{1000, 1000, 1000, 1000}, GIDs: [4]int{2000, 2000, 2000, 2000}, IPCNS: ns}, Stale},
		{"a thread of the owner in another namespace", thread{UIDs: [4]int{1000, 1000, 1000, 1000}, IPCNS: ns + 1}, Orphan},
		{"a thread of another user", thread{UIDs: [4]int{3000, 3000, 3000, 3000}, IPCNS: ns}, Orphan},
	} {
		t.Run(c.name, func(t *testing.T) {
			main := proc(700, 2000, "samba", early) // its main thread runs as uid 2000
			main.Threads = 2
			env := envFrom(table(proc(1, 0, "init", early), main), ns, testNames, true, "", true, t.TempDir(), t.TempDir())
			env.threads.by = map[int][]thread{700: {c.thread}}
			s := plainSet(1000, Semaphore{PID: 99})
			if v, _, why := verdictOf(s, env, nil); v != c.want {
				t.Fatalf("verdict %s (%s), want %s", v, why, c.want)
			}
		})
	}
}

// The default launch window is 10 minutes: a launcher that waited for a
// pass phrase (round 2's ap01: 40 s) made sets older than its daemon.
func TestDefaultLaunchWindowKeepsSlowLaunches(t *testing.T) {
	t.Setenv("IPCSCOPE_APACHE_LAUNCH", "")
	early := t0.Add(-time.Hour)
	parentStart := t0.Add(-10 * time.Minute)
	parent := proc(500, 0, "apache2", parentStart)
	kid := child(proc(501, 33, "apache2", t0.Add(-5*time.Minute)), parent)
	own := apacheSet(parentStart, Semaphore{PID: 501})
	own.ID = 7
	for _, c := range []struct {
		ctime time.Time
		want  Verdict
	}{{parentStart.Add(-40 * time.Second), Live}, {parentStart.Add(-11 * time.Minute), Orphan}} {
		env := envFrom(table(proc(1, 0, "init", early), parent, kid), ns, testNames, true, "", true, apacheConf(t), t.TempDir())
		sets := []Set{apacheSet(c.ctime, Semaphore{PID: 90}), own}
		env.prepare(sets)
		for i := range sets {
			judgeOperators(&sets[i], env, nil, nil)
		}
		env.anchorAll(sets)
		decide(&sets[0], env, nil)
		if sets[0].Verdict != c.want {
			t.Errorf("a set %v before the start: %s (%q), want %s", parentStart.Sub(c.ctime), sets[0].Verdict, sets[0].Reasons, c.want)
		}
	}
}
