package cli

// The incident of issue 2, end to end, with the real Debian apache2: an
// httpd using System V semaphores (Mutex sysvsem default) is killed with
// kill -9 a few times, its sets leak, SEMMNI fills up and the next start
// fails with AH00023; ipcscope clean removes the leaked sets (and never a
// running httpd's) and Apache starts again.
//
// It runs inside the private IPC namespace that TestMain makes, so SEMMNI
// is the namespace's own. Needs root and /usr/sbin/apache2 (with www-data);
// it skips without them unless IPCSCOPE_REQUIRE_E2E=1.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"golang.org/x/sys/unix"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
)

const (
	apacheBin     = "/usr/sbin/apache2"
	apacheModules = "/usr/lib/apache2/modules"
	apacheUser    = "www-data"
	apacheWait    = 10 * time.Second // the longest any single step may take
	apacheRounds  = 3                // start/kill -9 rounds that leak sets
)

func TestApacheEndToEnd(t *testing.T) {
	ae := newApacheE2E(t)

	// Sets that were there before Apache (none when run alone).
	before := map[int]bool{}
	for _, s := range ae.list(t).Semaphores {
		before[s.ID] = true
	}
	// ours are the sets Apache made: key 0, owner www-data, creator root.
	ours := func(l *apacheList) []ipc.Set {
		var out []ipc.Set
		for _, s := range l.Semaphores {
			if !before[s.ID] && s.Key == 0 && s.UID == ae.uid && s.CUID == 0 {
				out = append(out, s)
			}
		}
		return out
	}

	// 1. Apache runs and serves; its sets are there and never orphans.
	h := ae.start(t)
	h.waitServing(t)
	running := ours(ae.list(t))
	if len(running) < 2 {
		t.Fatalf("Apache made %d SysV sets owned by %s (key 0, cuid 0), want at least 2 (accept and rewrite-map mutex)\n%s", len(running), apacheUser, ae.lastJSON)
	}
	for _, s := range running {
		if s.Owner != apacheUser || s.CUser != "root" || s.NSems != 1 {
			t.Errorf("set %d: owner %q cuser %q nsems %d, want %s, root, 1", s.ID, s.Owner, s.CUser, s.NSems, apacheUser)
		}
	}
	ae.checkNotOrphan(t, running, "while Apache runs")
	perStart := len(running)
	// Children serve 3 connections each (MaxConnectionsPerChild), so a
	// burst of requests recycles them: the last operator of a set may now
	// be a dead child while the parent and its siblings still use it.
	for i := 0; i < 12; i++ {
		h.get(t, "/mapped/index.html")
	}
	ae.checkNotOrphan(t, ours(ae.list(t)), "after children were recycled")

	// 2. clean with Apache running removes none of its sets; it still serves.
	cl := ae.clean(t, filepath.Join(ae.dir, "audit-running.jsonl"))
	for _, r := range cl.Removals {
		// clean only tries orphans: a running Apache's set has no business here.
		if slices.ContainsFunc(running, func(s ipc.Set) bool { return s.ID == r.ID }) {
			t.Errorf("clean with Apache running tried set %d: %s (%s): %s", r.ID, r.Outcome, r.Verdict, r.Reason)
		}
	}
	for _, s := range running {
		if !exists(s.ID) {
			t.Errorf("set %d of the running Apache is gone after clean", s.ID)
		}
	}
	h.get(t, "/index.html")
	h.get(t, "/mapped/index.html")
	if t.Failed() {
		t.FailNow()
	}

	// 3. kill -9 of the whole tree, a few times: the sets leak as orphans.
	h.kill9(t)
	for round := 2; round <= apacheRounds; round++ {
		leakedSoFar := map[int]bool{}
		for _, s := range ours(ae.list(t)) {
			leakedSoFar[s.ID] = true
		}
		h = ae.start(t)
		h.waitServing(t)
		// The running instance's own sets are never orphans; the earlier
		// rounds' leaks may be (apache_verdicts_e2e_test.go checks that).
		var own []ipc.Set
		for _, s := range ours(ae.list(t)) {
			if !leakedSoFar[s.ID] {
				own = append(own, s)
			}
		}
		ae.checkNotOrphan(t, own, fmt.Sprintf("while Apache runs (round %d)", round))
		h.kill9(t)
	}
	l := ae.list(t)
	leaked := ours(l)
	if len(leaked) != apacheRounds*perStart {
		t.Errorf("%d rounds of %d sets leaked %d sets, want %d", apacheRounds, perStart, len(leaked), apacheRounds*perStart)
	}
	for _, s := range leaked {
		if s.Verdict != ipc.Orphan {
			t.Errorf("leaked set %d after kill -9 is %s, want orphan: %s", s.ID, s.Verdict, strings.Join(s.Reasons, "; "))
		}
	}
	if t.Failed() {
		t.Fatalf("ipcscope list --json:\n%s", ae.lastJSON)
	}

	// 4. SEMMNI = sets in use: the next start fails with AH00023, and
	// ipcscope limits says why.
	msl, mns, opm, _ := ae.limits[0], ae.limits[1], ae.limits[2], ae.limits[3]
	if err := ipctest.SetLimits(msl, mns, opm, l.Usage.Sets); err != nil {
		t.Fatal(err)
	}
	h = ae.start(t)
	apacheLog := h.waitFailed(t)
	for _, want := range []string{"No space left on device", "AH00023"} {
		if !strings.Contains(apacheLog, want) {
			t.Errorf("Apache failed without %q in its error log and stderr:\n%s", want, apacheLog)
		}
	}
	for _, line := range strings.Split(apacheLog, "\n") {
		if strings.Contains(line, "AH00023") {
			t.Logf("Apache with SEMMNI %d: %s", l.Usage.Sets, line)
			break
		}
	}
	if n := len(ours(ae.list(t))); n != len(leaked) {
		t.Logf("note: the failed start changed the number of sets from %d to %d", len(leaked), n)
	}
	ae.checkLimits(t, len(leaked), h.conf)

	// One set more, and the accept mutex gets the last one: the next
	// fails, the very line of the incident.
	if err := ipctest.SetLimits(msl, mns, opm, l.Usage.Sets+1); err != nil {
		t.Fatal(err)
	}
	h = ae.start(t)
	apacheLog = h.waitFailed(t)
	if want := "(28)No space left on device: AH00023: Couldn't create the rewrite-map mutex"; !strings.Contains(apacheLog, want) {
		t.Errorf("Apache with SEMMNI %d failed without %q:\n%s", l.Usage.Sets+1, want, apacheLog)
	}
	if n := len(ours(ae.list(t))); n != len(leaked) {
		t.Logf("note: the failed start changed the number of sets from %d to %d", len(leaked), n)
	}

	// 5. clean removes the orphans, with one audit line each; Apache starts.
	audit := filepath.Join(ae.dir, "audit-clean.jsonl")
	cl = ae.clean(t, audit)
	removed := map[int]bool{}
	for _, r := range cl.Removals {
		if r.Outcome == ipc.Removed {
			removed[r.ID] = true
		} else {
			t.Errorf("clean: set %d %s: %s", r.ID, r.Outcome, r.Reason)
		}
	}
	for _, s := range leaked {
		if !removed[s.ID] {
			t.Errorf("clean did not remove leaked set %d", s.ID)
		}
		if exists(s.ID) {
			t.Errorf("leaked set %d still exists after clean", s.ID)
		}
	}
	checkAudit(t, audit, removed)
	if t.Failed() {
		t.FailNow()
	}

	h = ae.start(t)
	h.waitServing(t)
	if n := len(ours(ae.list(t))); n != perStart {
		t.Errorf("Apache after clean made %d sets, want %d", n, perStart)
	}
	h.stop(t)
	if left := ours(ae.list(t)); len(left) != 0 {
		t.Errorf("Apache stopped cleanly but left %d sets:\n%s", len(left), ae.lastJSON)
	}
}

// apacheE2E is the test's environment: a temporary server root, the
// namespace's original limits, every Apache started.
type apacheE2E struct {
	dir      string // server root, world-readable so that www-data can serve from it
	conf     *template.Template
	ssl      map[string]any // SSLPort, SSLCert, SSLKey: mod_ssl with a session cache (empty: none)
	uid      int
	limits   [4]int // SEMMSL SEMMNS SEMOPM SEMMNI at the start
	started  int
	lastJSON string // the latest `ipcscope list --json`
}

func newApacheE2E(t *testing.T) *apacheE2E {
	t.Helper()
	if _, err := os.Stat(apacheBin); err != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatalf("IPCSCOPE_REQUIRE_E2E=1 but %s is missing (apt-get install apache2): %v", apacheBin, err)
		}
		t.Skipf("%s not installed (set IPCSCOPE_REQUIRE_E2E=1 to make this an error)", apacheBin)
	}
	if !ipctest.RealRoot() {
		t.Skip("needs root: Apache switches to User www-data")
	}
	u, err := user.Lookup(apacheUser)
	if err != nil {
		t.Skipf("no user %s: %v", apacheUser, err)
	}
	if !ipctest.Isolated() {
		t.Fatal("not in a private IPC namespace: TestMain must call ipctest.Main")
	}
	ipctest.HoldApacheLock(t)
	ae := &apacheE2E{}
	ae.uid, _ = strconv.Atoi(u.Uid)
	ae.conf, err = template.ParseFiles(filepath.Join("testdata", "apache-sysvsem", "httpd.conf.tmpl"))
	if err != nil {
		t.Fatal(err)
	}

	b, err := os.ReadFile("/proc/sys/kernel/sem")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 4 {
		t.Fatalf("/proc/sys/kernel/sem: %q", b)
	}
	for i := range f {
		if ae.limits[i], err = strconv.Atoi(f[i]); err != nil {
			t.Fatalf("/proc/sys/kernel/sem: %q", b)
		}
	}
	t.Cleanup(func() {
		if err := ipctest.SetLimits(ae.limits[0], ae.limits[1], ae.limits[2], ae.limits[3]); err != nil {
			t.Errorf("restore semaphore limits: %v", err)
		}
	})

	// Children of a killed httpd are reparented to us, not to init, so
	// that we can be sure they are gone and reap them.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	t.Cleanup(func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })

	// t.TempDir is 0700 under a 0700 parent: www-data could not read it.
	ae.dir, err = os.MkdirTemp("", "ipcscope-apache-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(ae.dir) })
	if err := os.Chmod(ae.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"htdocs", "run", "logs", "conf"} {
		if err := os.Mkdir(filepath.Join(ae.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(ae.dir, "htdocs", "index.html"), []byte("ipcscope e2e\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Runs after each httpd's own cleanup and before the server root goes:
	// no httpd of ours outlives the test.
	t.Cleanup(func() { ae.killLeftovers(t) })
	return ae
}

// apacheList is the part of `ipcscope list --json` the test reads.
type apacheList struct {
	Semaphores []ipc.Set `json:"semaphores"`
	Usage      ipc.Usage `json:"usage"`
}

func (ae *apacheE2E) list(t *testing.T) *apacheList {
	t.Helper()
	out, errOut, code := run(t, "list", "--json")
	if code != 0 {
		t.Fatalf("ipcscope list --json: exit %d: %s", code, errOut)
	}
	var l apacheList
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("ipcscope list --json: %v\n%s", err, out)
	}
	ae.lastJSON = out
	return &l
}

func (ae *apacheE2E) checkNotOrphan(t *testing.T, sets []ipc.Set, when string) {
	t.Helper()
	for _, s := range sets {
		t.Logf("%s: set %d %s: %s", when, s.ID, s.Verdict, strings.Join(s.Reasons, "; "))
		if s.Verdict == ipc.Orphan {
			t.Errorf("%s: set %d judged orphan; removing it would take Apache down (AH00144/AH00146)\n%s", when, s.ID, ae.lastJSON)
		}
	}
}

func (ae *apacheE2E) clean(t *testing.T, audit string) *cleanJSON {
	t.Helper()
	out, errOut, code := run(t, "clean", "--json", "--audit-log", audit)
	if code != 0 {
		t.Fatalf("ipcscope clean: exit %d: %s\n%s", code, errOut, out)
	}
	var cl cleanJSON
	if err := json.Unmarshal([]byte(out), &cl); err != nil {
		t.Fatalf("ipcscope clean --json: %v\n%s", err, out)
	}
	t.Logf("clean: %d removals, kept %v", len(cl.Removals), cl.Kept)
	return &cl
}

func (ae *apacheE2E) checkLimits(t *testing.T, orphans int, conf string) {
	t.Helper()
	out, errOut, code := run(t, "limits", "--json", "--apache-conf", conf)
	if code != 0 {
		t.Fatalf("ipcscope limits --json: exit %d: %s", code, errOut)
	}
	var lj limitsJSON
	if err := json.Unmarshal([]byte(out), &lj); err != nil {
		t.Fatalf("ipcscope limits --json: %v\n%s", err, out)
	}
	if lj.Usage.Orphans != orphans {
		t.Errorf("limits: usage.orphans = %d, want %d", lj.Usage.Orphans, orphans)
	}
	i := slices.IndexFunc(lj.Diagnosis, func(f ipc.Finding) bool { return f.Resource == "SEMMNI" })
	if i < 0 {
		t.Fatalf("limits: no SEMMNI diagnosis with SEMMNI full:\n%s", out)
	}
	f := lj.Diagnosis[i]
	if f.Severity != ipc.SevCrit || !strings.Contains(f.Message, "orphan") || !strings.Contains(f.Message, strconv.Itoa(orphans)) || !strings.Contains(f.Message, "AH00023") {
		t.Errorf("limits: SEMMNI diagnosis %s %q; want critical, naming AH00023 and the %d orphans", f.Severity, f.Message, orphans)
	}
	t.Logf("limits: %s: %s", f.Severity, f.Message)
	checkApacheAdvice(t, lj.Apache, orphans, conf)
	checkSEMMNIFix(t, f)
	checkInspectorWhy(t, conf)
	lt, _, _ := run(t, "limits", "--apache-conf", conf)
	if !strings.Contains(lt, "  now:  "+f.Fix.Command+"\n") || !strings.Contains(lt, "Fix: Mutex pthread default  at "+mutexLine(t, conf)) {
		t.Errorf("limits text without the sysctl line or the Mutex fix:\n%s", lt)
	}
	t.Logf("ipcscope limits --apache-conf:\n%s", lt)
	text, _, _ := run(t, "list", "--reasons", "--apache-conf", conf)
	if !strings.Contains(text, "Why: Apache's mutexes (Mutex default) are System V semaphore sets because of \"Mutex sysvsem default\" at "+mutexLine(t, conf)) || !strings.Contains(text, "Fix: Mutex pthread default") {
		t.Errorf("list --reasons names no cause or fix for the leaked Apache sets:\n%s", text)
	}
}

// checkAudit wants one "remove" line per removed set, and nothing else.
func checkAudit(t *testing.T, path string, removed map[int]bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("audit log: %v", err)
	}
	seen := map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Action string   `json:"action"`
			Set    *ipc.Set `json:"set"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.Set == nil {
			t.Errorf("audit log line %q: %v", sc.Text(), err)
			continue
		}
		if rec.Action != "remove" || !removed[rec.Set.ID] || seen[rec.Set.ID] {
			t.Errorf("audit log: unexpected line (action %q, set %d)", rec.Action, rec.Set.ID)
		}
		if rec.Set.Owner != apacheUser || len(rec.Set.Sems) != 1 || rec.Set.Verdict != ipc.Orphan {
			t.Errorf("audit log: set %d recorded as owner %q, %d semaphores, %s", rec.Set.ID, rec.Set.Owner, len(rec.Set.Sems), rec.Set.Verdict)
		}
		seen[rec.Set.ID] = true
	}
	if len(seen) != len(removed) {
		t.Errorf("audit log has %d sets, %d were removed:\n%s", len(seen), len(removed), b)
	}
}

// httpd is one Apache started by the test: the parent runs in the
// foreground as our child, in its own process group.
type httpd struct {
	ae       *apacheE2E
	n        int
	port     int
	conf     string
	errorLog string
	cmd      *exec.Cmd
	out      lockedBuffer
	done     chan struct{} // closed when the parent has exited and is reaped
	waitErr  error
	tree     map[int]uint64 // every process of its tree seen, PID -> start time
}

func (ae *apacheE2E) start(t *testing.T) *httpd {
	t.Helper()
	ae.started++
	h := &httpd{ae: ae, n: ae.started, port: freePort(t), done: make(chan struct{}), tree: map[int]uint64{}}
	h.conf = filepath.Join(ae.dir, "conf", fmt.Sprintf("httpd-%d.conf", h.n))
	h.errorLog = filepath.Join(ae.dir, "logs", fmt.Sprintf("error-%d.log", h.n))
	var conf bytes.Buffer
	vars := map[string]any{
		"ServerRoot":   ae.dir,
		"DocumentRoot": filepath.Join(ae.dir, "htdocs"),
		"PidFile":      filepath.Join(ae.dir, "run", "httpd.pid"),
		"RuntimeDir":   filepath.Join(ae.dir, "run"),
		"ErrorLog":     h.errorLog,
		"AccessLog":    filepath.Join(ae.dir, "logs", "access.log"),
		"Modules":      apacheModules,
		"Port":         h.port,
		"Port2":        freePort(t),
		"SSLPort":      0,
	}
	for k, v := range ae.ssl {
		vars[k] = v
	}
	err := ae.conf.Execute(&conf, vars)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.conf, conf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	h.cmd = exec.Command(apacheBin, "-f", h.conf, "-DFOREGROUND")
	h.cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	h.cmd.Stdout, h.cmd.Stderr = &h.out, &h.out
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		h.waitErr = h.cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(func() { h.kill9(t) })
	return h
}

func (h *httpd) exited() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

// logs is Apache's error log and its stderr.
func (h *httpd) logs() string {
	b, _ := os.ReadFile(h.errorLog)
	return fmt.Sprintf("--- %s ---\n%s--- stderr ---\n%s", h.errorLog, b, h.out.String())
}

func (h *httpd) fetch(path string) (int, string, error) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d%s", h.port, path))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// waitServing waits until Apache answers, and fails with its logs if it
// exits or does not answer in time.
func (h *httpd) waitServing(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(apacheWait)
	for {
		code, body, err := h.fetch("/index.html")
		if err == nil && code == http.StatusOK && body == "ipcscope e2e\n" {
			break
		}
		if h.exited() {
			t.Fatalf("Apache #%d exited (%v) instead of serving:\n%s", h.n, h.waitErr, h.logs())
		}
		if time.Now().After(deadline) {
			t.Fatalf("Apache #%d does not serve after %v (last: %d %v):\n%s", h.n, apacheWait, code, err, h.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Through the RewriteMap, so the map program and its mutex are used.
	h.get(t, "/mapped/index.html")
	h.record()
}

func (h *httpd) get(t *testing.T, path string) {
	t.Helper()
	code, body, err := h.fetch(path)
	if err != nil || code != http.StatusOK || body != "ipcscope e2e\n" {
		t.Errorf("Apache #%d: GET %s: %d %q %v\n%s", h.n, path, code, body, err, h.logs())
	}
}

// waitFailed waits for an Apache that must not start to exit, and returns
// its logs.
func (h *httpd) waitFailed(t *testing.T) string {
	t.Helper()
	select {
	case <-h.done:
	case <-time.After(apacheWait):
		code, _, err := h.fetch("/index.html")
		t.Fatalf("Apache #%d should fail to start with SEMMNI full, but runs after %v (GET: %d %v):\n%s", h.n, apacheWait, code, err, h.logs())
	}
	if h.waitErr == nil {
		t.Errorf("Apache #%d exited 0 with SEMMNI full", h.n)
	}
	h.kill9(t) // anything it left behind
	return h.logs()
}

// record notes every process of the tree: the parent's descendants and
// its process group.
func (h *httpd) record() {
	pgid := h.cmd.Process.Pid
	procs := readProcs()
	for changed := true; changed; {
		changed = false
		for _, p := range procs {
			if _, ok := h.tree[p.pid]; ok {
				continue
			}
			_, parentIn := h.tree[p.ppid]
			if p.pid == pgid || p.pgid == pgid || parentIn {
				h.tree[p.pid] = p.start
				changed = true
			}
		}
	}
}

// alive lists the processes of the tree that still exist (zombies too).
func (h *httpd) alive() []procInfo {
	var out []procInfo
	for _, p := range readProcs() {
		if start, ok := h.tree[p.pid]; (ok && start == p.start) || p.pgid == h.cmd.Process.Pid {
			out = append(out, p)
		}
	}
	return out
}

// kill9 kills the whole tree with SIGKILL, as in the incident, and waits
// until none of it is left, reaping the parent and the children that were
// reparented to us.
func (h *httpd) kill9(t *testing.T) {
	t.Helper()
	pgid := h.cmd.Process.Pid
	for attempt := 0; ; attempt++ {
		if !h.exited() {
			h.record()
		}
		left := h.alive()
		if len(left) == 0 && h.exited() {
			return
		}
		if attempt > 0 && time.Duration(attempt)*10*time.Millisecond > apacheWait {
			t.Errorf("Apache #%d: processes left after kill -9: %+v", h.n, left)
			return
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		for _, p := range left {
			if p.pid != pgid {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
				// Reparented to us (we are a subreaper): reap it. The
				// parent is reaped by cmd.Wait.
				var ws syscall.WaitStatus
				_, _ = syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop stops Apache the clean way (SIGTERM, as apache2 -k stop does), so it
// removes its own sets.
func (h *httpd) stop(t *testing.T) {
	t.Helper()
	h.record()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.done:
	case <-time.After(apacheWait):
		t.Fatalf("Apache #%d did not stop within %v after SIGTERM:\n%s", h.n, apacheWait, h.logs())
	}
	if h.waitErr != nil {
		t.Errorf("Apache #%d stopped with %v:\n%s", h.n, h.waitErr, h.logs())
	}
	deadline := time.Now().Add(apacheWait)
	for len(h.alive()) > 0 {
		if time.Now().After(deadline) {
			t.Errorf("Apache #%d: children left after it stopped: %+v", h.n, h.alive())
			break
		}
		for _, p := range h.alive() {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// killLeftovers kills any process still running one of our configurations
// (found by the server root in its command line), whatever its tree.
func (ae *apacheE2E) killLeftovers(t *testing.T) {
	for _, p := range readProcs() {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid))
		if err != nil || !bytes.Contains(cmdline, []byte(filepath.Join(ae.dir, "conf")+"/")) {
			continue
		}
		t.Errorf("httpd %d (%s) outlived the test; killing it", p.pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(p.pid, &ws, 0, nil)
	}
}

type procInfo struct {
	pid, ppid, pgid int
	state           byte
	start           uint64 // clock ticks after boot
}

// readProcs reads every process's /proc/PID/stat.
func readProcs() []procInfo {
	ents, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 20 {
			continue
		}
		p := procInfo{pid: pid, state: f[0][0]}
		p.ppid, _ = strconv.Atoi(f[1])
		p.pgid, _ = strconv.Atoi(f[2])
		p.start, _ = strconv.ParseUint(f[19], 10, 64)
		out = append(out, p)
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
