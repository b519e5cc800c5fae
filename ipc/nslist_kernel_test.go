package ipc_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

func findNS(t *testing.T, nss []ipc.Namespace, inode uint64) ipc.Namespace {
	t.Helper()
	for _, ns := range nss {
		if ns.Inode == inode {
			return ns
		}
	}
	t.Fatalf("IPC namespace %d not found among %d", inode, len(nss))
	return ipc.Namespace{}
}

// Three private namespaces stand in for containers, each with its own
// limits, one live set used by a process in a nested PID namespace, and a
// different number of orphans. Namespaces must find each, count its
// processes and sets against its own limits, and see the live operator by
// its host PID.
func TestNamespacesFindsAndSummarizesPrivateNamespaces(t *testing.T) {
	needRoot(t)
	type want struct {
		ns      *ipctest.Namespace
		live    *ipctest.Proc
		liveID  int
		orphans int
		semmni  int
	}
	var wants []want
	for i := range 3 {
		n := ipctest.NewNamespace(t)
		semmni := 100 + 10*i
		if err := ipctest.SetLimitsIn(n.Holder.PID, 250, 32000+i, 32, semmni); err != nil {
			t.Fatal(err)
		}
		liveID, live := n.Live(nobodyUID + 1)
		for range i + 1 {
			n.Orphan(nobodyUID)
		}
		wants = append(wants, want{n, live, liveID, i + 1, semmni})
	}
	nss, warnings, err := ipc.Namespaces(ipc.NamespaceOptions{Scan: true})
	if err != nil {
		t.Fatal(err)
	}
	if !nss[0].Host {
		t.Errorf("first namespace %d is not the host's (warnings %q)", nss[0].Inode, warnings)
	}
	own, err := ipctest.IPCNamespace(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	findNS(t, nss, own) // the test's own private namespace is one too
	for i, w := range wants {
		ns := findNS(t, nss, w.ns.Inode)
		if ns.Host || ns.Processes != 2 {
			t.Errorf("ns %d: host %v, %d processes, want 2 (holder and live operator)", i, ns.Host, ns.Processes)
		}
		if ns.PID != w.ns.Holder.PID {
			t.Errorf("ns %d: representative PID %d, want the oldest process %d", i, ns.PID, w.ns.Holder.PID)
		}
		if len(ns.Commands) == 0 || ns.Commands[0].Count != 2 || !strings.HasPrefix(ns.Commands[0].Comm, "ipc.test") {
			t.Errorf("ns %d: commands %+v, want the test binary twice", i, ns.Commands)
		}
		s := ns.Summary
		if s == nil {
			t.Fatalf("ns %d: not scanned: %s", i, ns.Error)
		}
		if s.Limits.SEMMNI != w.semmni || s.Limits.SEMMNS != int64(32000+i) {
			t.Errorf("ns %d: limits %+v, want its own SEMMNI %d, SEMMNS %d", i, s.Limits, w.semmni, 32000+i)
		}
		u := s.Usage
		if u.Sets != w.orphans+1 || u.Orphans != w.orphans || u.Live != 1 || u.Semaphores != int64(w.orphans+1) {
			t.Errorf("ns %d: usage %+v, want %d orphans and 1 live", i, u, w.orphans)
		}
		if s.OldestOrphan.IsZero() {
			t.Errorf("ns %d: no oldest orphan time", i)
		}

		// From the outside, the live set's operator is known by its host
		// PID, although it is PID 1 in its own PID namespace.
		snap, err := ipc.ScanNamespaceOf(w.ns.Holder.PID, w.ns.Inode)
		if err != nil {
			t.Fatal(err)
		}
		set := find(t, snap, w.liveID)
		wantVerdict(t, set, ipc.Live)
		if len(set.Operators) != 1 || set.Operators[0].PID != w.live.PID || set.Operators[0].State != ipc.OpRunning {
			t.Errorf("ns %d: operators %+v, want running host PID %d", i, set.Operators, w.live.PID)
		}
		if nspid := nsPIDs(t, w.live.PID); len(nspid) != 2 || nspid[1] != "1" {
			t.Errorf("live operator's NSpid %q: want it to be PID 1 of a nested PID namespace", nspid)
		}
	}
}

func nsPIDs(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}

// /proc/sys/kernel/sem is per IPC namespace, resolved for the reading
// thread: read from the thread InNamespace locks, it must report the
// joined namespace's limits, agree with semctl(IPC_INFO) there, and leave
// the caller's own limits as they were.
func TestKernelSemIsReadPerThreadNamespace(t *testing.T) {
	needRoot(t)
	readSem := func() string {
		b, err := os.ReadFile("/proc/sys/kernel/sem")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(b)), " ")
	}
	before := readSem()
	a, b := ipctest.NewNamespace(t), ipctest.NewNamespace(t)
	if err := ipctest.SetLimitsIn(a.Holder.PID, 111, 2222, 33, 44); err != nil {
		t.Fatal(err)
	}
	if err := ipctest.SetLimitsIn(b.Holder.PID, 555, 6666, 77, 88); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n    *ipctest.Namespace
		want string
		mni  int
	}{{a, "111 2222 33 44", 44}, {b, "555 6666 77 88", 88}, {a, "111 2222 33 44", 44}} {
		var got string
		var info sysv.SemInfo
		err := ipc.InNamespace(c.n.Holder.PID, func() error {
			got = readSem()
			var err error
			info, _, err = sysv.Info(false)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want || int(info.Mni) != c.mni {
			t.Errorf("inside ns %d: /proc/sys/kernel/sem %q, IPC_INFO semmni %d; want %q, %d", c.n.Inode, got, info.Mni, c.want, c.mni)
		}
	}
	if after := readSem(); after != before {
		t.Errorf("our own limits changed from %q to %q", before, after)
	}
}

func TestParseCgroup(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	const pod = "1b2c3d4e-5f60-4a1b-8c9d-0e1f2a3b4c5d"
	podU := strings.ReplaceAll(pod, "-", "_")
	for _, c := range []struct {
		name, in string
		want     ipc.Container
		ok       bool
	}{
		{"docker systemd v2", "0::/system.slice/docker-" + id + ".scope\n", ipc.Container{Runtime: "docker", ID: id}, true},
		{"docker cgroupfs v1", "12:memory:/docker/" + id + "\n11:cpu:/docker/" + id + "\n", ipc.Container{Runtime: "docker", ID: id}, true},
		{"k8s systemd containerd", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podU + ".slice/cri-containerd-" + id + ".scope", ipc.Container{Runtime: "cri-containerd", ID: id, Pod: pod}, true},
		{"k8s guaranteed crio", "0::/kubepods.slice/kubepods-pod" + podU + ".slice/crio-" + id + ".scope", ipc.Container{Runtime: "crio", ID: id, Pod: pod}, true},
		{"k8s cgroupfs", "4:memory:/kubepods/besteffort/pod" + pod + "/" + id, ipc.Container{Runtime: "kubepods", ID: id, Pod: pod}, true},
		{"k8s pod slice only", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + podU + ".slice", ipc.Container{Runtime: "kubepods", Pod: pod}, true},
		{"podman rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id + ".scope/container", ipc.Container{Runtime: "libpod", ID: id}, true},
		{"podman conmon is not the container", "0::/machine.slice/libpod-conmon-" + id + ".scope", ipc.Container{}, false},
		{"nerdctl", "0::/system.slice/nerdctl-" + id + ".scope", ipc.Container{Runtime: "nerdctl", ID: id}, true},
		{"lxc", "0::/lxc.payload.web1/init.scope", ipc.Container{Runtime: "lxc", ID: "web1"}, true},
		{"nspawn", `0::/machine.slice/machine-deb\x2dtest.scope/payload`, ipc.Container{Runtime: "nspawn", ID: "deb-test"}, true},
		{"plain service", "0::/system.slice/apache2.service\n", ipc.Container{}, false},
		{"docker daemon itself", "0::/system.slice/docker.service", ipc.Container{}, false},
		{"root", "0::/\n", ipc.Container{}, false},
		{"short non-hex docker", "12:memory:/docker/not-an-id", ipc.Container{}, false},
		{"uppercase is not an id", "0::/system.slice/docker-" + strings.ToUpper(id) + ".scope", ipc.Container{}, false},
		{"garbage", "\x00\xff:::\n::\nno colons at all\n", ipc.Container{}, false},
		{"empty", "", ipc.Container{}, false},
		{"first container line wins", "1:name=systemd:/user.slice\n0::/system.slice/docker-" + id + ".scope", ipc.Container{Runtime: "docker", ID: id}, true},
	} {
		got, ok := ipc.ParseCgroup(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: got %+v, %v; want %+v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	if s := (ipc.Container{Runtime: "cri-containerd", ID: id, Pod: pod}).Short(); s != "pod "+pod+"/cri-containerd 0123456789ab" {
		t.Errorf("Short() = %q", s)
	}
}

func FuzzParseCgroup(f *testing.F) {
	f.Add("0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope")
	f.Add("4:memory:/kubepods/besteffort/pod1b2c3d4e-5f60-4a1b-8c9d-0e1f2a3b4c5d/x")
	f.Add(`0::/machine.slice/machine-a\x2.scope`)
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ipc.ParseCgroup(s)
		if !ok && c != (ipc.Container{}) {
			t.Errorf("not ok but %+v", c)
		}
		if ok && c.Runtime == "" {
			t.Errorf("ok without a runtime: %+v", c)
		}
	})
}

// Everything Scan does inside InNamespace must happen on the locked
// thread: a goroutine runs on another OS thread, which is still in the
// caller's IPC namespace, and would read (or miss) the wrong sets.
func TestScanInsideInNamespaceSeesThatNamespace(t *testing.T) {
	needRoot(t)
	n := ipctest.NewNamespace(t)
	id := n.Orphan(nobodyUID)
	var snap *ipc.Snapshot
	err := ipc.InNamespace(n.Holder.PID, func() error {
		var err error
		snap, err = ipc.Scan(ipc.Options{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if snap.IPCNS != n.Inode || len(snap.Sets) != 1 || snap.Sets[0].ID != id || snap.Vanished != 0 {
		t.Fatalf("scan of ns %d: ns %d, %d sets, %d vanished, source %s; want set %d. "+
			"Scan ran part of its work in a goroutine (another OS thread, still in our namespace): "+
			"with one worker, listSetsSemctl and readAll must run on the calling goroutine",
			n.Inode, snap.IPCNS, len(snap.Sets), snap.Vanished, snap.Source, id)
	}
}
