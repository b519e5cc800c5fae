#!/bin/bash
# ipcscope run as the shipped ipcscope-clean.service runs it: uid 0 with CapabilityBoundingSet=CAP_IPC_OWNER
# CAP_SYS_ADMIN, NoNewPrivileges. A root consumer (full capabilities, main thread) is blocked in msgrcv on a
# queue that user nobody made (0600, creator gone). Without CAP_SYS_PTRACE /proc/PID/syscall of the consumer is
# unreadable (EACCES). The unit's comments promise that missing capability "only ever keeps sets".
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
UNIT="setpriv --bounding-set=-all,+ipc_owner,+sys_admin --inh-caps=-all --no-new-privs"
Q=$(setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "import ctypes; l=ctypes.CDLL(None); print(l.msgget(0, 0o1600))")
./qwait $Q main > /tmp/q07.out 2>&1 & W=$!
sleep 0.4
echo "as the unit: $($UNIT cat /proc/$W/syscall 2>&1 | cut -c1-60)"
echo "--- full root:"; $IPCSCOPE list --msg --reasons | sed -n 3,5p
echo "--- as the unit:"; $UNIT $IPCSCOPE list --msg --reasons | sed -n 2,9p
$UNIT $IPCSCOPE clean --msg --audit-log /tmp/q07.audit | tail -2; echo "clean rc=${PIPESTATUS[0]}"
sleep 0.3
if ipcs -q | grep -qw "^0x00000000 *$Q"; then kill $W; R=PASS; else R=FAIL; fi
sleep 0.2; cat /tmp/q07.out
[ $R = FAIL ] && echo "FAIL: the packaged service (no CAP_SYS_PTRACE) removed a queue a root consumer was blocked in msgrcv on" || echo PASS
rm -f /tmp/q07.*'
