package ipc

import (
	"os"
	"strconv"
	"strings"
)

// ParseNSLink reads the inode out of a namespace link as readlink gives it
// for /proc/PID/ns/* ("ipc:[4026531839]", "pid:[4026531836]"): 0 when s
// is not of the form TYPE:[DIGITS]. It is the one parser of these links.
func ParseNSLink(s string) uint64 {
	i := strings.Index(s, ":[")
	if i <= 0 || !strings.HasSuffix(s, "]") {
		return 0
	}
	digits := s[i+2 : len(s)-1]
	if digits == "" || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// nsLinkInode is the inode of the namespace link at path (0 if it cannot
// be read).
func nsLinkInode(path string) uint64 {
	link, err := os.Readlink(path)
	if err != nil {
		return 0
	}
	return ParseNSLink(link)
}

// OwnNSInode is the inode of this process's own IPC namespace (0 if
// unknown): the one a zero NS means.
func OwnNSInode() uint64 { return nsLinkInode("/proc/self/ns/ipc") }

// threadNSInode is the inode of the calling thread's IPC namespace (0 if
// unknown). Only a thread locked to its goroutine gets a stable answer.
func threadNSInode() uint64 { return nsLinkInode("/proc/thread-self/ns/ipc") }
