package ipc

import (
	"os"
	"testing"
)

func TestParseNSLinkFixtures(t *testing.T) {
	for _, c := range []struct {
		link string
		want uint64
	}{
		{"ipc:[4026531839]", 4026531839},
		{"pid:[4026531836]", 4026531836},
		{"ipc:[1]", 1},
		{"ipc:[18446744073709551615]", 18446744073709551615},
		{"ipc:[18446744073709551616]", 0}, // overflows
		{"ipc:[]", 0},
		{"ipc:[x]", 0},
		{"ipc:[-1]", 0},
		{"ipc:[+1]", 0},
		{"ipc:[ 1]", 0},
		{"ipc:[12", 0},
		{"ipc:[12]x", 0},
		{":[12]", 0},
		{"[12]", 0},
		{"ipc:12", 0},
		{"garbage", 0},
		{"", 0},
		{"/proc/1/ns/ipc", 0},
	} {
		if got := ParseNSLink(c.link); got != c.want {
			t.Errorf("ParseNSLink(%q) = %d, want %d", c.link, got, c.want)
		}
	}
}

// The links the kernel really gives parse, and the process's and the
// thread's IPC namespace are found.
func TestParseNSLinkOfThisProcess(t *testing.T) {
	for _, p := range []string{"/proc/self/ns/ipc", "/proc/self/ns/pid", "/proc/thread-self/ns/ipc"} {
		link, err := os.Readlink(p)
		if err != nil {
			t.Fatal(err)
		}
		if ParseNSLink(link) == 0 {
			t.Errorf("%s: %q does not parse", p, link)
		}
	}
	if OwnNSInode() == 0 {
		t.Error("OwnNSInode is 0")
	}
}
