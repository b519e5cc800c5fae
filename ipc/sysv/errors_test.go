package sysv

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want Class
	}{
		{nil, NoError},
		{unix.EINVAL, Gone},
		{unix.EIDRM, Gone},
		{fmt.Errorf("semctl IPC_STAT on 3: %w", unix.EIDRM), Gone},
		{unix.EACCES, Denied},
		{unix.EPERM, Denied},
		{fmt.Errorf("remove: %w", unix.EPERM), Denied},
		{unix.ENOMEM, Other},
		{unix.ERANGE, Other},
		{errors.New("EINVAL"), Other}, // the text is not the errno
	} {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// What the kernel really answers for an id that names no set: read only,
// nothing is made or changed (so it is safe outside a private namespace).
func TestClassifyKernelAnswers(t *testing.T) {
	for _, id := range []int{-1, 1 << 30} {
		_, err := Stat(id)
		if got := Classify(err); got != Gone {
			t.Errorf("Stat(%d): %v classified %v, want gone", id, err, got)
		}
	}
}
