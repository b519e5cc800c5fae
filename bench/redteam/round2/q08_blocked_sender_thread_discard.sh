#!/bin/bash
# A producer (root, not a permission holder of nobody's queue) blocks in msgsnd in a worker thread on a queue that
# an earlier producer (gone) filled to qbytes. `clean --msg --discard-messages` consents to losing the queued
# messages, not to removing a queue in use: the producer thread gets EIDRM. Expected: live (waiters).
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
Q=$(setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "
import ctypes; l=ctypes.CDLL(None); q=l.msgget(0, 0o1600)
class M(ctypes.Structure): _fields_=[(\"t\",ctypes.c_long),(\"b\",ctypes.c_char*64)]
m=M(1,b\"x\"*64)
while l.msgsnd(q, ctypes.byref(m), 64, 0o4000)==0: pass
print(q)")
./qwait $Q thread-snd > /tmp/q08.out 2>&1 & W=$!
sleep 0.5; kill -0 $W || { echo SETUP FAILED; exit 4; }
$IPCSCOPE list --msg --reasons | sed -n 2,9p
$IPCSCOPE clean --msg --discard-messages --audit-log /tmp/q08.audit | grep -v "^    -" | tail -3
sleep 0.3
if ipcs -q | grep -qw "^0x00000000 *$Q"; then kill $W; R=PASS; else R=FAIL; fi
sleep 0.2; cat /tmp/q08.out
[ $R = FAIL ] && echo "FAIL: removed a queue a producer thread was blocked in msgsnd on" || echo PASS
rm -f /tmp/q08.*'
