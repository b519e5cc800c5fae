// Command objbench makes leaked shared memory segments and message queues
// for bench/objects-compare.sh, inside a private IPC namespace only (it
// refuses anywhere else):
//
//	objbench populate N   N one-byte segments and N empty queues, key 0,
//	                      mode 0600, owned by www-data (uid 33) and made by
//	                      this process, which then exits: orphans
//	objbench scan [PROF]  time ipc.ScanObjects in process (median of 7),
//	                      with a CPU profile written to PROF if given
//	objbench list PROF ARGS...  time `ipcscope list ARGS...` in process
//	                      (output discarded), profiled to PROF
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"ipcscope/cli"
	"ipcscope/ipc"
	"ipcscope/ipc/sysv"
)

func main() {
	if len(os.Args) >= 4 && os.Args[1] == "list" {
		list(os.Args[2], os.Args[3:])
		return
	}
	if len(os.Args) >= 2 && os.Args[1] == "scan" {
		scan(os.Args[2:])
		return
	}
	if len(os.Args) != 3 || os.Args[1] != "populate" {
		fmt.Fprintln(os.Stderr, "usage: objbench populate N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err == nil {
		err = populate(n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "objbench:", err)
		os.Exit(1)
	}
}

func populate(n int) error {
	host, _ := os.Readlink("/proc/1/ns/ipc")
	self, _ := os.Readlink("/proc/self/ns/ipc")
	if os.Getenv("IPCBENCH_PRIVATE_NS") != "1" || (host != "" && host == self) {
		return fmt.Errorf("refusing to create IPC objects outside a private IPC namespace (run bench/objects-compare.sh)")
	}
	for i := 0; i < n; i++ {
		id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 1, unix.IPC_CREAT|0o600)
		if err != nil {
			return fmt.Errorf("shmget #%d: %w", i, err)
		}
		var ds unix.SysvShmDesc
		if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds); err == nil {
			ds.Perm.Uid, ds.Perm.Gid = 33, 33
			_, _ = unix.SysvShmCtl(id, unix.IPC_SET, &ds)
		}
		if _, err := sysv.MsgGet(sysv.IPC_PRIVATE, sysv.IPC_CREAT|0o600); err != nil {
			return fmt.Errorf("msgget #%d: %w", i, err)
		}
	}
	return nil
}

func scan(args []string) {
	if len(args) > 0 {
		f, err := os.Create(args[0])
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	ds := make([]time.Duration, 7)
	n := 0
	for i := range ds {
		t := time.Now()
		o, err := ipc.ScanObjects(ipc.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "objbench:", err)
			os.Exit(1)
		}
		ds[i] = time.Since(t)
		n = len(o.Segments) + len(o.Queues)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	fmt.Printf("%-28s %.4f %d\n", fmt.Sprintf("ipc.ScanObjects (%d)", n), ds[len(ds)/2].Seconds(), 0)
}

func list(prof string, args []string) {
	f, err := os.Create(prof)
	if err == nil && pprof.StartCPUProfile(f) == nil {
		defer pprof.StopCPUProfile()
	}
	ds := make([]time.Duration, 7)
	for i := range ds {
		t := time.Now()
		if code := cli.Main(append([]string{"list"}, args...), os.Stdin, io.Discard, os.Stderr); code != 0 {
			os.Exit(code)
		}
		ds[i] = time.Since(t)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	fmt.Printf("%-28s %.4f %d\n", "list "+fmt.Sprint(args)+" (in-process)", ds[len(ds)/2].Seconds(), 0)
}
