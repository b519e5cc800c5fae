#!/bin/bash
# Attack: the holder is a thread whose credentials differ from its thread-group leader's.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
./perthreadcred > /tmp/a27.out 2>&1 & sleep 0.6
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons | sed -n 2,7p
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a27.audit | tail -1
wait; cat /tmp/a27.out; grep -q FAILED /tmp/a27.out && echo "FAIL: removed a set its uid-1000 thread holds" || echo PASS; rm -f /tmp/a27.*'
