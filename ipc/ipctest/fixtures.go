package ipctest

import "testing"

// StartT is Start for tests: it fails t if the helper cannot start, and
// kills it when the test ends.
func StartT(t testing.TB, action string, opts ...Option) *Proc {
	t.Helper()
	p, err := Start(action, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

// Container is a private IPC namespace standing in for a container: one
// live set, whose operator (running as liveUID) holds it, and orphans of
// orphanUID, a user with no process there.
type Container struct {
	*Namespace
	LiveID   int
	Operator *Proc // runs as the live set's last operator
	Orphans  []int
}

// NewContainer makes a Container with the given number of orphans. It
// skips t without real root (other uids, other namespaces).
func NewContainer(t testing.TB, liveUID, orphanUID uint32, orphans int) *Container {
	t.Helper()
	NeedRealRoot(t)
	c := &Container{Namespace: NewNamespace(t)}
	c.LiveID, c.Operator = c.Live(liveUID)
	for range orphans {
		c.Orphans = append(c.Orphans, c.Orphan(orphanUID))
	}
	return c
}
