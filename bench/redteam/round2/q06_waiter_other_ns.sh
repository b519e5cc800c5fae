#!/bin/bash
# Namespace A has an orphan queue msqid 0 (nobody's, creator gone, empty). A process in ANOTHER IPC namespace
# is blocked in msgrcv on ITS OWN queue msqid 0. Does ipcscope in A name that process as a waiter on A's queue?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
Q=$(setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "import ctypes; l=ctypes.CDLL(None); print(l.msgget(0, 0o1600))")
unshare --ipc bash -c "Q2=\$(/usr/bin/python3 -c \"import ctypes; l=ctypes.CDLL(None); print(l.msgget(0, 0o1600))\"); echo other-ns queue \$Q2; exec ./qwait \$Q2 main" > /tmp/q06.out 2>&1 & W=$!
sleep 0.5; cat /tmp/q06.out; echo "this ns queue $Q"
$IPCSCOPE list --msg --reasons | sed -n 2,9p
$IPCSCOPE list --msg --reasons | grep -q "waiters" && echo "FAIL (lie): a process of another IPC namespace is named as blocked on this namespace queue" || echo PASS
kill $W 2>/dev/null; pkill -P $W 2>/dev/null; rm -f /tmp/q06.*'
