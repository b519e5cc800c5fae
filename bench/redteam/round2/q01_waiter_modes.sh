#!/bin/bash
# A queue made by user nobody (IPC_PRIVATE, 0600); nobody's process exits; a root consumer blocks in msgrcv on it
# (root is not a permission holder of a nobody-made queue, so only the waiters rule protects it).
# Variants: MODE=main (plain), thread (in a second thread), thread-exitmain (leader has pthread_exit'ed),
# int80 (a 32-bit-ABI msgrcv, as any i386 binary makes it). Expected: live (waiters), clean removes nothing.
MODE=${1:-main}
cd "$(dirname "$0")"
exec unshare --ipc env MODE=$MODE bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
Q=$(setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "
import ctypes; l=ctypes.CDLL(None); print(l.msgget(0, 0o1600))")
./qwait $Q $MODE > /tmp/q01.$MODE.out 2>&1 & W=$!
sleep 0.5; [ -n "$Q" ] && kill -0 $W || { echo "SETUP FAILED"; exit 4; }
$IPCSCOPE list --msg --reasons
$IPCSCOPE list --msg --json | head -3
$IPCSCOPE clean --msg --audit-log /tmp/q01.$MODE.audit; echo "clean rc=$?"
sleep 0.3
if ipcs -q | grep -qw "$Q"; then echo "queue still there"; kill $W; R=PASS; else R=FAIL; fi
sleep 0.2; cat /tmp/q01.$MODE.out
[ $R = FAIL ] && echo "FAIL ($MODE): removed a queue a process was blocked in msgrcv on" || echo "PASS ($MODE)"
rm -f /tmp/q01.$MODE.*'
