package ipc_test

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"ipcscope/ipc"
	"ipcscope/ipc/sysv"
)

// Debian's PostgreSQL 15 keeps one small System V segment (key from the
// data directory) attached by every one of its processes. Killed with -9
// it stays, detached; a new postmaster then removes it itself (sysv_shmem.c:
// SHMSTATE_UNATTACHED, "every process that had used it has died") and
// makes a new one. The verdicts must agree: live while it runs; after the
// kill stale by its key (the next postmaster finds it again and decides),
// never an orphan that clean would take from under it.

const pgBin = "/usr/lib/postgresql/15/bin"

type pgServer struct {
	cmd  *exec.Cmd
	data string
	uid  int
}

func startPostgres(t *testing.T, uid, gid int, data, sock string) *pgServer {
	t.Helper()
	cmd := exec.Command(pgBin+"/postgres", "-D", data, "-c", "listen_addresses=", "-c", "unix_socket_directories="+sock, "-c", "shared_buffers=8MB")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, Pdeathsig: syscall.SIGKILL}
	cmd.Dir = data
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pg := &pgServer{cmd: cmd, data: data, uid: uid}
	t.Cleanup(pg.kill)
	return pg
}

// kill kills the postmaster and every backend (one process group) with -9.
func (pg *pgServer) kill() {
	if pg.cmd.Process == nil || pg.cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-pg.cmd.Process.Pid, syscall.SIGKILL)
	_ = pg.cmd.Wait()
}

// pgSegment waits for a segment of the postgres user for which ok holds.
func pgSegment(t *testing.T, uid int, ok func(s ipc.Segment) bool) ipc.Segment {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		o := scanObjects(t)
		for _, s := range o.Segments {
			if s.CUID == uid && ok(s) {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no such postgres segment; segments: %+v", o.Segments)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPostgresSegmentVerdicts(t *testing.T) {
	if _, err := os.Stat(pgBin + "/postgres"); err != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatalf("PostgreSQL 15 is not installed: %v", err)
		}
		t.Skip("PostgreSQL 15 is not installed")
	}
	needRoot(t)
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Skip("no postgres user")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	top, err := os.MkdirTemp("", "ipcscope-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	if err := os.Chmod(top, 0o755); err != nil {
		t.Fatal(err)
	}
	data, sock := filepath.Join(top, "data"), filepath.Join(top, "sock")
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(d, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, s := range scanObjects(t).Segments {
			if s.CUID == uid {
				_ = sysv.ShmRemove(s.ID)
			}
		}
	})
	initdb := exec.Command(pgBin+"/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	initdb.Dir = top
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}

	pg := startPostgres(t, uid, gid, data, sock)
	live := pgSegment(t, uid, func(s ipc.Segment) bool { return s.NAttch >= 2 })
	wantSeg(t, live, ipc.Live, ipc.RuleAttached)
	if live.Key == 0 || live.CPID != pg.cmd.Process.Pid || live.Perms != 0o600 {
		t.Fatalf("not PostgreSQL's shape (keyed, made by the postmaster, 0600): %+v", live)
	}

	pg.kill()
	dead := pgSegment(t, uid, func(s ipc.Segment) bool { return s.ID == live.ID && s.NAttch == 0 })
	// Keyed: the next postmaster finds it again by its key (and decides
	// itself), so it is stale, never an orphan for clean to take.
	wantSeg(t, dead, ipc.Stale, ipc.RuleKeyed)

	// What PostgreSQL itself does with it: a new postmaster removes the
	// detached segment and makes its own.
	pg2 := startPostgres(t, uid, gid, data, sock)
	fresh := pgSegment(t, uid, func(s ipc.Segment) bool { return s.ID != live.ID && s.NAttch >= 2 })
	wantSeg(t, fresh, ipc.Live, ipc.RuleAttached)
	if segExists(live.ID) {
		t.Fatalf("the new postmaster kept the old segment %d: then orphan would be wrong", live.ID)
	}
	if fresh.Key != live.Key || fresh.CPID != pg2.cmd.Process.Pid {
		t.Fatalf("new segment %+v", fresh)
	}
}
