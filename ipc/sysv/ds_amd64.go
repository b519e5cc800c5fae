package sysv

// DS is struct semid64_ds on x86_64 (arch/x86/include/uapi/asm/sembuf.h).
type DS struct {
	Perm  Perm
	OTime int64
	_     uint64
	CTime int64
	_     uint64
	NSems uint64
	_     uint64
	_     uint64
}
