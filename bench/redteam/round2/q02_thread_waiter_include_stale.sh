#!/bin/bash
# The everyday shape of q01: a multi-threaded consumer (uid nobody) made the queue and blocks in msgrcv in a worker
# thread (main thread waits in pthread_join). The waiters rule misses non-leader threads, so the queue is only
# "stale (holders)"; the documented --include-stale then removes it under the blocked receiver.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
Q=$(setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "import ctypes; l=ctypes.CDLL(None); print(l.msgget(0, 0o1600))")
setpriv --reuid 65534 --regid 65534 --clear-groups ./qwait $Q thread > /tmp/q02.out 2>&1 & W=$!
sleep 0.5
kill -0 $W || { echo SETUP FAILED; exit 4; }
$IPCSCOPE list --msg --reasons | sed -n 2,12p
$IPCSCOPE clean --msg --include-stale --audit-log /tmp/q02.audit | tail -3; echo "clean rc=$?"
sleep 0.3
if ipcs -q | grep -qw "^0x00000000 *$Q"; then kill $W; R=PASS; else R=FAIL; fi
sleep 0.2; cat /tmp/q02.out
[ $R = FAIL ] && echo "FAIL: --include-stale removed a queue a worker thread was blocked in msgrcv on" || echo PASS
rm -f /tmp/q02.*'
