#!/bin/bash
# A nobody process made a key-0 segment, wrote to it and detached (nattch 0); its main thread then called
# pthread_exit (zombie leader) while a worker thread runs on and re-attaches by ID 3 s later.
# Expected: stale (user-alive / holders) at worst; clean without --include-stale removes nothing.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
setpriv --reuid 65534 --regid 65534 --clear-groups ./shmz 3 > /tmp/s02.out 2>&1 & W=$!
sleep 0.5; grep State /proc/$W/status
$IPCSCOPE list --shm --reasons | sed -n 2,9p
$IPCSCOPE clean --shm --audit-log /tmp/s02.audit | tail -2
wait $W; cat /tmp/s02.out
grep -q FAILED /tmp/s02.out && echo "FAIL: removed a segment a running (zombie-leader) process re-attaches to" || echo PASS
rm -f /tmp/s02.*'
