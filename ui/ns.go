package ui

import (
	"os"
	"strconv"
	"strings"
)

// NS names the IPC namespace the inspector shows. PID 0 is the inspector's
// own (no joining); otherwise PID is a process in it and Inode, once
// known, pins it: if the PID exits and is reused by a process of another
// namespace, scans and removals fail instead of acting there.
type NS struct {
	PID   int
	Inode uint64
}

// Own reports whether this is the inspector's own namespace.
func (n NS) Own() bool { return n.PID == 0 }

// threadIPCNS is the inode of the calling thread's IPC namespace (0 if
// unknown).
func threadIPCNS() uint64 { return nsLinkInode("/proc/thread-self/ns/ipc") }

// selfIPCNS is the inode of the inspector's own IPC namespace.
func selfIPCNS() uint64 { return nsLinkInode("/proc/self/ns/ipc") }

func nsLinkInode(path string) uint64 {
	link, err := os.Readlink(path)
	if err != nil {
		return 0
	}
	i, j := strings.IndexByte(link, '['), strings.LastIndexByte(link, ']')
	if i < 0 || j <= i {
		return 0
	}
	v, _ := strconv.ParseUint(link[i+1:j], 10, 64)
	return v
}
