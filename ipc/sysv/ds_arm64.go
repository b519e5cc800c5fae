package sysv

// DS is struct semid64_ds on 64-bit asm-generic architectures
// (include/uapi/asm-generic/sembuf.h).
type DS struct {
	Perm  Perm
	OTime int64
	CTime int64
	NSems uint64
	_     uint64
	_     uint64
}
