#!/bin/bash
# Attack: the last operator's thread-group leader has exited (zombie, State Z) but its other thread runs
# and will semop again. Is that PID taken as dead?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
for key in 0 4242; do
setpriv --reuid 1000 --regid 1000 --clear-groups ./zleader $key > /tmp/a03.out 2>&1 &
sleep 0.5
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a03.audit; echo "clean rc=$?"
wait; cat /tmp/a03.out
if grep -q FAILED /tmp/a03.out; then echo "FAIL(key $key): removed a set whose operator (zombie leader, live thread) still runs"; else echo "PASS(key $key)"; fi
ipcrm -a; done
rm -f /tmp/a03.out /tmp/a03.audit'
