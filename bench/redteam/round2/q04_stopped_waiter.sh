#!/bin/bash
# A root consumer blocked in msgrcv (main thread) on a queue nobody made is stopped (SIGSTOP / Ctrl-Z / a
# debugger / a frozen container). It resumes the msgrcv on SIGCONT. Expected: live (waiters) or at least not removed.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
Q=$(setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "import ctypes; l=ctypes.CDLL(None); print(l.msgget(0, 0o1600))")
./qwait $Q main > /tmp/q04.out 2>&1 & W=$!
sleep 0.3; kill -STOP $W; sleep 0.3
echo "state: $(awk "/^State/{print \$2}" /proc/$W/status) syscall: $(cat /proc/$W/syscall | cut -c1-30)"
$IPCSCOPE list --msg --reasons | sed -n 2,9p
$IPCSCOPE clean --msg --audit-log /tmp/q04.audit | tail -2
kill -CONT $W; sleep 0.3
if ipcs -q | grep -qw "^0x00000000 *$Q"; then kill $W; R=PASS; else R=FAIL; fi
sleep 0.2; cat /tmp/q04.out
[ $R = FAIL ] && echo "FAIL: removed a queue a stopped consumer is blocked in msgrcv on" || echo PASS
rm -f /tmp/q04.*'
