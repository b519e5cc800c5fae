package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"ipcscope/ipc/sysv"
)

// Helper actions for shared memory segments and message queues (the
// semaphore ones are in helper.go):
//
//	shmcreate KEY SIZE MODE ATTACH AFTER  shmget(KEY, SIZE, IPC_CREAT|IPC_EXCL|MODE);
//	                                      ATTACH 1 attaches it and writes
//	                                      every page (so it is resident);
//	                                      says "ready ID"
//	shmat ID AFTER                        attaches an existing segment
//	msgcreate KEY MODE N AFTER            msgget(KEY, IPC_CREAT|IPC_EXCL|MODE)
//	                                      and N messages of 100 bytes; says
//	                                      "ready ID"
//	msgrcv ID                             says "ready", then blocks in msgrcv
//
// AFTER is exit or hold (until stdin closes); MODE is octal.
func runObjectHelper(f []string) (bool, error) {
	num := func(i int) (int, error) {
		if i >= len(f) {
			return 0, fmt.Errorf("helper %q: missing argument %d", f[0], i)
		}
		return strconv.Atoi(f[i])
	}
	hold := func(after string) {
		if after == "hold" {
			_, _ = io.Copy(io.Discard, os.Stdin)
		}
	}
	switch f[0] {
	case "shmcreate", "msgcreate":
		if !Isolated() {
			return true, errors.New("refusing to create IPC objects outside a private IPC namespace")
		}
	}
	switch f[0] {
	case "shmcreate":
		if len(f) < 6 {
			return true, errors.New("shmcreate KEY SIZE MODE ATTACH AFTER")
		}
		key, err1 := num(1)
		size, err2 := num(2)
		mode, err3 := strconv.ParseUint(f[3], 8, 32)
		attach, err4 := num(4)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return true, err
		}
		id, err := unix.SysvShmGet(key, size, unix.IPC_CREAT|unix.IPC_EXCL|int(mode&0o777))
		if err != nil {
			return true, fmt.Errorf("shmget: %w", err)
		}
		if attach == 1 {
			b, err := unix.SysvShmAttach(id, 0, 0)
			if err != nil {
				return true, fmt.Errorf("shmat: %w", err)
			}
			for i := range b {
				b[i] = 1
			}
		}
		fmt.Println("ready", id)
		hold(f[5])
		return true, nil
	case "shmat":
		id, err := num(1)
		if err != nil || len(f) < 3 {
			return true, errors.New("shmat ID AFTER")
		}
		if _, err := unix.SysvShmAttach(id, 0, 0); err != nil {
			return true, fmt.Errorf("shmat: %w", err)
		}
		fmt.Println("ready")
		hold(f[2])
		return true, nil
	case "msgcreate":
		if len(f) < 5 {
			return true, errors.New("msgcreate KEY MODE N AFTER")
		}
		key, err1 := num(1)
		mode, err2 := strconv.ParseUint(f[2], 8, 32)
		n, err3 := num(3)
		if err := errors.Join(err1, err2, err3); err != nil {
			return true, err
		}
		id, err := sysv.MsgGet(int32(key), int(sysv.IPC_CREAT|sysv.IPC_EXCL|uint32(mode&0o777)))
		if err != nil {
			return true, fmt.Errorf("msgget: %w", err)
		}
		msg := make([]byte, 100)
		for i := 0; i < n; i++ {
			if err := sysv.MsgSnd(id, 1, msg, 0); err != nil {
				return true, fmt.Errorf("msgsnd: %w", err)
			}
		}
		fmt.Println("ready", id)
		hold(f[4])
		return true, nil
	case "msgrcv":
		id, err := num(1)
		if err != nil {
			return true, err
		}
		fmt.Println("ready")
		// Blocks until a message comes or the queue is removed (EIDRM).
		_, _ = sysv.MsgRcv(id, 0, 8192, 0)
		return true, nil
	}
	return false, nil
}
