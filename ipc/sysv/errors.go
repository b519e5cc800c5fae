package sysv

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Class is what a failed System V call says about the set it was made on.
type Class int

const (
	NoError Class = iota // err was nil
	Gone                 // EINVAL, EIDRM: no such set (any more): removed, or never there
	Denied               // EACCES, EPERM: the set is there, but not for the caller
	Other                // any other failure
)

func (c Class) String() string {
	switch c {
	case NoError:
		return "no error"
	case Gone:
		return "gone"
	case Denied:
		return "denied"
	}
	return "other"
}

// Classify sorts the error of a semctl or semop call (wrapped or not):
// the one place that knows which errno means what for a set. For an id
// (not an index) EINVAL means the slot is empty or holds another
// generation of set, and EIDRM that the set was removed meanwhile.
func Classify(err error) Class {
	switch {
	case err == nil:
		return NoError
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.EIDRM):
		return Gone
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return Denied
	}
	return Other
}
