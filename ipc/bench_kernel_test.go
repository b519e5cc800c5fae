package ipc_test

import (
	"fmt"
	"testing"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

// BenchmarkScan scans n one-semaphore sets, every one last changed by a
// process that has exited (the shape of a big leak), with verdicts.
//
//	go test -run XXX -bench Scan ./ipc
func BenchmarkScan(b *testing.B) {
	for _, n := range []int{1000, 32000} {
		b.Run(fmt.Sprintf("sets=%d", n), func(b *testing.B) {
			ids := make([]int, 0, n)
			b.Cleanup(func() {
				for _, id := range ids {
					_ = sysv.Remove(id)
				}
			})
			before, err := ipc.Scan(ipc.Options{})
			if err != nil {
				b.Fatal(err)
			}
			for len(ids)+len(before.Sets) < n {
				id, err := ipctest.CreateSet(0, 1, 0o600)
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, id)
			}
			for lo := 0; lo < len(ids); lo += 4000 {
				// One short-lived process changes a batch of sets and exits.
				hi := min(lo+4000, len(ids))
				p, err := ipctest.Start(fmt.Sprintf("setvalrange %d %d 1", ids[lo], ids[hi-1]))
				if err != nil {
					b.Fatal(err)
				}
				_ = p.Reap()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				snap, err := ipc.Scan(ipc.Options{})
				if err != nil || len(snap.Sets) < n {
					b.Fatalf("%v, %d sets", err, len(snap.Sets))
				}
			}
		})
	}
}
