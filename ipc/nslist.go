package ipc

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Listing IPC namespaces: Namespaces finds every one that has a process
// in it and summarizes its sets. Entering one is in nsenter.go.

// InitIPCNSInode is the inode of the host's (initial) IPC namespace,
// PROC_IPC_INIT_INO in include/linux/proc_ns.h.
const InitIPCNSInode = 0xEFFFFFFF

// Namespace is one IPC namespace found through the processes in it, with a
// summary of its semaphore sets (when it was scanned).
type Namespace struct {
	Inode uint64 `json:"inode"`
	// Host is true for the initial IPC namespace, the one outside every
	// container.
	Host bool `json:"host"`
	// Processes counts the processes in it; PID is one of them (the
	// oldest), to pass to InNamespace or --ns.
	Processes int `json:"processes"`
	PID       int `json:"pid"`
	// Commands are the most common command names, most frequent first.
	Commands []CommandCount `json:"commands"`
	// Containers are the distinct containers or pods whose cgroup paths
	// the processes are in (empty for plain host processes).
	Containers []Container `json:"containers"`
	// Summary is nil when the namespace was not scanned or the scan
	// failed (Error says why).
	Summary *Summary `json:"summary"`
	Error   string   `json:"error,omitempty"`
}

// CommandCount is a command name and how many processes run it.
type CommandCount struct {
	Comm  string `json:"command"`
	Count int    `json:"count"`
}

// Summary is the part of a Snapshot that fits one line per namespace.
type Summary struct {
	Taken  time.Time `json:"taken"`
	Limits Limits    `json:"limits"`
	Usage  Usage     `json:"usage"`
	// OldestOrphan is when the oldest orphan was last changed (the later
	// of its otime and ctime); zero when there is no orphan.
	OldestOrphan Time          `json:"oldest_orphan"`
	Diagnosis    []Finding     `json:"diagnosis"`
	Warnings     []string      `json:"warnings"`
	Duration     time.Duration `json:"scan_ns"`
}

// Summarize reduces a snapshot to its summary.
func Summarize(s *Snapshot) *Summary {
	sum := &Summary{Taken: s.Taken, Limits: s.Limits, Usage: s.Usage, Diagnosis: s.Diagnosis, Warnings: s.Warnings, Duration: s.Duration}
	if sum.Diagnosis == nil {
		sum.Diagnosis = []Finding{}
	}
	if sum.Warnings == nil {
		sum.Warnings = []string{}
	}
	for i := range s.Sets {
		if s.Sets[i].Verdict != Orphan {
			continue
		}
		if t := s.Sets[i].LastChange(); sum.OldestOrphan.IsZero() || t.Before(sum.OldestOrphan.Time) {
			sum.OldestOrphan = Time{t}
		}
	}
	return sum
}

// NamespaceOptions tune Namespaces.
type NamespaceOptions struct {
	// ProcRoot is where proc is mounted; default "/proc".
	ProcRoot string
	// Scan scans every namespace found (needs root for all but our own).
	Scan bool
	// TopCommands is how many command names to keep per namespace;
	// default 5.
	TopCommands int
}

// Namespaces finds every IPC namespace that has a process in it, by
// grouping /proc/PID/ns/ipc (readable for other users' processes only as
// root), and with opts.Scan summarizes each one's semaphore sets through
// InNamespace. The host's namespace comes first, then by inode. A
// namespace that cannot be scanned gets an Error, not a failure of the
// whole call; unreadable processes are counted in the returned warnings.
func Namespaces(opts NamespaceOptions) ([]Namespace, []string, error) {
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	if opts.TopCommands <= 0 {
		opts.TopCommands = 5
	}
	procs, err := ReadProcTable(opts.ProcRoot)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the process table: %w", err)
	}
	var warnings []string
	type group struct {
		ns    *Namespace
		pids  []*Process
		comms map[string]int
		ctrs  map[Container]bool
	}
	groups := map[uint64]*group{}
	unreadable := 0
	for _, p := range procs.ByPID {
		if p.Zombie() || p.Kernel {
			continue // kernel threads (PF_KTHREAD) use no IPC
		}
		if p.IPCNS == 0 {
			unreadable++
			continue
		}
		g := groups[p.IPCNS]
		if g == nil {
			g = &group{ns: &Namespace{Inode: p.IPCNS, Host: p.IPCNS == InitIPCNSInode}, comms: map[string]int{}, ctrs: map[Container]bool{}}
			groups[p.IPCNS] = g
		}
		g.pids = append(g.pids, p)
		g.comms[p.Comm]++
		if b, err := os.ReadFile(procPath(opts.ProcRoot, strconv.Itoa(p.PID), "cgroup")); err == nil {
			if c, ok := ParseCgroup(string(b)); ok {
				g.ctrs[c] = true
			}
		}
	}
	if unreadable > 0 {
		why := "they exited while we looked, or belong to another user namespace"
		if os.Geteuid() != 0 {
			why = "run as root to see every namespace"
		}
		warnings = append(warnings, fmt.Sprintf("the IPC namespace of %s is unreadable (%s)", plural(unreadable, "process", "processes"), why))
	}
	if len(procs.Warnings) > 0 {
		warnings = append(warnings, plural(len(procs.Warnings), "process", "processes")+" could not be read")
	}

	out := make([]Namespace, 0, len(groups))
	for _, g := range groups {
		// Oldest first: the process most likely to stay (a container's
		// init, the pod's pause process) is tried first.
		sort.Slice(g.pids, func(i, j int) bool {
			if !g.pids[i].Start.Equal(g.pids[j].Start) {
				return g.pids[i].Start.Before(g.pids[j].Start)
			}
			return g.pids[i].PID < g.pids[j].PID
		})
		ns := g.ns
		ns.Processes, ns.PID = len(g.pids), g.pids[0].PID
		ns.Commands = topCommands(g.comms, opts.TopCommands)
		ns.Containers = []Container{}
		for c := range g.ctrs {
			ns.Containers = append(ns.Containers, c)
		}
		sort.Slice(ns.Containers, func(i, j int) bool {
			a, b := ns.Containers[i], ns.Containers[j]
			return a.Runtime+a.Pod+a.ID < b.Runtime+b.Pod+b.ID
		})
		if opts.Scan {
			scanNamespace(ns, g.pids)
		}
		out = append(out, *ns)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Host != out[j].Host {
			return out[i].Host
		}
		return out[i].Inode < out[j].Inode
	})
	return out, warnings, nil
}

// scanNamespace scans ns through the first of its processes that is still
// there and still in it: a PID may exit, or be reused by a process in
// another namespace, between listing and joining.
func scanNamespace(ns *Namespace, pids []*Process) {
	var lastErr error
	for i, p := range pids {
		if i == 3 {
			break
		}
		snap, err := ScanNamespaceOf(p.PID, ns.Inode)
		if err == nil {
			ns.PID = p.PID
			ns.Summary = Summarize(snap)
			return
		}
		lastErr = err
		if errors.Is(err, os.ErrPermission) || errors.Is(err, unix.EPERM) {
			break
		}
	}
	ns.Error = lastErr.Error()
}

// ScanNamespaceOf scans the IPC namespace of pid and checks that it is the
// one with inode want (0: any). Our own namespace is scanned without
// joining it, so that needs no privilege. Owner names come from the
// container's own /etc/passwd and /etc/group when it shares our user
// namespace (so that its uids mean the same), else from ours.
func ScanNamespaceOf(pid int, want uint64) (*Snapshot, error) {
	self, _ := os.Readlink("/proc/thread-self/ns/ipc")
	target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/ipc")
	if err != nil {
		return nil, fmt.Errorf("IPC namespace of PID %d: %w", pid, err)
	}
	if want != 0 && ParseNSLink(target) != want {
		return nil, fmt.Errorf("PID %d is no longer in IPC namespace %d", pid, want)
	}
	opts := Options{}
	opts.Passwd, opts.Group = ContainerIDFiles(pid)
	join := pid
	if target == self {
		join = 0
	}
	var snap *Snapshot
	err = InNamespace(join, func() error {
		var err error
		snap, err = Scan(opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	if want != 0 && snap.IPCNS != want {
		return nil, fmt.Errorf("PID %d left IPC namespace %d while it was scanned", pid, want)
	}
	return snap, nil
}

// ContainerIDFiles returns the passwd and group files to name the users of
// pid's IPC namespace: the process's own root's /etc/passwd and /etc/group
// when it runs in our user namespace (else its uids are shifted and its
// names would lie) and both files resolve inside its root without leaving
// it through a symlink; otherwise "" (the defaults, ours).
func ContainerIDFiles(pid int) (passwd, group string) {
	root := "/proc/" + strconv.Itoa(pid) + "/root"
	us, err1 := os.Readlink("/proc/self/ns/user")
	them, err2 := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/user")
	if err1 != nil || err2 != nil || us != them {
		return "", ""
	}
	if r, err := os.Readlink(root); err != nil || r == "/" {
		return "", "" // our own root: the defaults are the same files
	}
	if inRoot(root, "etc/passwd") && inRoot(root, "etc/group") {
		return root + "/etc/passwd", root + "/etc/group"
	}
	return "", ""
}

// inRoot reports whether root/rel is a regular file that resolves to the
// same file when symlinks are confined to root (openat2 RESOLVE_IN_ROOT):
// an absolute symlink in a container must not make us read a host file.
func inRoot(root, rel string) bool {
	dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(dir)
	fd, err := unix.Openat2(dir, rel, &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS})
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var confined, naive unix.Stat_t
	if unix.Fstat(fd, &confined) != nil || unix.Stat(root+"/"+rel, &naive) != nil {
		return false
	}
	return confined.Mode&unix.S_IFMT == unix.S_IFREG && confined.Dev == naive.Dev && confined.Ino == naive.Ino
}

func topCommands(m map[string]int, n int) []CommandCount {
	out := make([]CommandCount, 0, len(m))
	for c, k := range m {
		out = append(out, CommandCount{Comm: c, Count: k})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Comm < out[j].Comm
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Container is a container or pod recognised in a cgroup path.
type Container struct {
	// Runtime is what the path names: docker, cri-containerd, crio,
	// libpod (podman), nerdctl, kubepods (cgroupfs driver: runtime
	// unknown), lxc or nspawn.
	Runtime string `json:"runtime"`
	// ID is the container ID (64 hex digits for most runtimes; a name for
	// lxc and nspawn); empty when only the pod is known.
	ID string `json:"id,omitempty"`
	// Pod is the Kubernetes pod UID, with dashes.
	Pod string `json:"pod,omitempty"`
}

// Short is the container ID cut to 12 characters like docker ps, with the
// pod when there is one: "pod 1b2c…/cri-containerd 0123456789ab".
func (c Container) Short() string {
	id := c.ID
	if len(id) == 64 && isHex(id) {
		id = id[:12]
	}
	s := c.Runtime
	if id != "" {
		s += " " + id
	}
	if c.Pod != "" {
		s = "pod " + c.Pod + "/" + s
	}
	return s
}

// ParseCgroup finds a container or pod in the contents of /proc/PID/cgroup
// (v1 "N:controllers:/path" or v2 "0::/path" lines). It knows the paths of
// Docker (systemd and cgroupfs drivers), Kubernetes (kubepods, with
// containerd or CRI-O), Podman, nerdctl, LXC and systemd-nspawn; anything
// else, malformed lines included, is not a container (ok false).
func ParseCgroup(content string) (c Container, ok bool) {
	for _, line := range strings.Split(content, "\n") {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			continue
		}
		if c, ok := parseCgroupPath(parts[2]); ok {
			// Names in cgroup paths are whatever the runtime (or a
			// root user) chose: printable before they go anywhere.
			c.Runtime, c.ID, c.Pod = Printable(c.Runtime), Printable(c.ID), Printable(c.Pod)
			return c, true
		}
	}
	return Container{}, false
}

func parseCgroupPath(path string) (Container, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var c Container
	found := false
	for i, s := range segs {
		name := strings.TrimSuffix(strings.TrimSuffix(s, ".scope"), ".slice")
		switch {
		case strings.HasPrefix(s, "kubepods"):
			// kubepods-burstable-pod<uid_with_underscores>.slice, or
			// cgroupfs: kubepods/burstable/pod<uid>.
			if j := strings.LastIndex(name, "-pod"); j >= 0 {
				c.Pod, c.Runtime, found = podUID(name[j+4:]), "kubepods", true
			} else if c.Runtime == "" {
				c.Runtime = "kubepods"
			}
		case strings.HasPrefix(s, "pod") && c.Runtime == "kubepods" && c.Pod == "":
			if uid := podUID(s[3:]); uid != "" {
				c.Pod, found = uid, true
			}
		case runtimeScope(name) != "":
			rt := runtimeScope(name)
			id := name[len(rt)+1:]
			if isHex(id) && len(id) >= 12 {
				c.Runtime, c.ID = rt, id
				return c, true
			}
		case s == "docker" && i+1 < len(segs) && isContainerID(segs[i+1]):
			return Container{Runtime: "docker", ID: segs[i+1]}, true
		case (s == "lxc" || s == "lxc.payload") && i+1 < len(segs) && segs[i+1] != "":
			return Container{Runtime: "lxc", ID: segs[i+1]}, true
		case strings.HasPrefix(s, "lxc.payload.") && len(s) > len("lxc.payload."):
			return Container{Runtime: "lxc", ID: s[len("lxc.payload."):]}, true
		case strings.HasPrefix(s, "machine-") && strings.HasSuffix(s, ".scope") && i > 0 && segs[i-1] == "machine.slice":
			return Container{Runtime: "nspawn", ID: unescapeSystemd(name[len("machine-"):])}, true
		case c.Runtime == "kubepods" && c.Pod != "" && isContainerID(s):
			c.ID = s
			return c, true
		}
	}
	return c, found
}

// runtimeScope returns the runtime prefix of a systemd scope name such as
// "docker-<id>", "cri-containerd-<id>", "crio-<id>", "libpod-<id>" or
// "nerdctl-<id>" (not "libpod-conmon-<id>": that is podman's monitor,
// running outside the container).
func runtimeScope(name string) string {
	for _, rt := range []string{"docker", "cri-containerd", "crio", "libpod", "nerdctl"} {
		if strings.HasPrefix(name, rt+"-") && !strings.HasPrefix(name, "libpod-conmon-") {
			return rt
		}
	}
	return ""
}

// podUID turns "1b2c3d4e_5f60_..." (systemd) or "1b2c3d4e-5f60-..." into
// the dashed UID; "" if it does not look like one.
func podUID(s string) string {
	s = strings.ReplaceAll(s, "_", "-")
	if len(s) != 36 || !isHex(strings.ReplaceAll(s, "-", "")) {
		return ""
	}
	return s
}

func isContainerID(s string) bool { return len(s) == 64 && isHex(s) }

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// unescapeSystemd undoes systemd's \x2d escaping in unit names.
func unescapeSystemd(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
