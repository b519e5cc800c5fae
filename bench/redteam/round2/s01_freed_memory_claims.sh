#!/bin/bash
# An orphan segment (nobody's, key 0, creator gone) with 8 MiB written, and an orphan queue with 3 messages.
# Checks that what clean says it freed / discarded matches the kernel's figures (/proc/sysvipc/*).
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "
import ctypes; l=ctypes.CDLL(None); l.shmat.restype=ctypes.c_void_p
s=l.shmget(0, 16<<20, 0o1600); a=l.shmat(s,None,0); ctypes.memset(a, 0x41, 8<<20); l.shmdt(ctypes.c_void_p(a))
q=l.msgget(0,0o1600)
class M(ctypes.Structure): _fields_=[(\"t\",ctypes.c_long),(\"b\",ctypes.c_char*100)]
m=M(1,b\"x\"*100)
for i in range(3): l.msgsnd(q, ctypes.byref(m), 100, 0)
"
cat /proc/sysvipc/shm | awk "{print \$1,\$2,\$3,\$4,\$15,\$16}" ; cat /proc/sysvipc/msg | awk "{print \$1,\$2,\$4,\$5}"
$IPCSCOPE clean --all --discard-messages --dry-run --audit-log /tmp/s01.audit | grep -vE "^    -"
$IPCSCOPE clean --all --discard-messages --audit-log /tmp/s01.audit | grep -vE "^    -" | tee /tmp/s01.out
grep -q "8.0 MiB\|8 MiB\|8,388,608\|8388608" /tmp/s01.out && grep -qE "300 B|300 bytes" /tmp/s01.out && echo PASS || echo "CHECK: figures above vs kernel"
rm -f /tmp/s01.*'
