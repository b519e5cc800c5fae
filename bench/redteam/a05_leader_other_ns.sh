#!/bin/bash
# Attack: holder process (uid 1000, made the key-0 set, never operated) whose main thread unshared its IPC
# namespace; its worker thread is still in the set's namespace and uses it 3 s later.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
setpriv --reuid 1000 --regid 1000 --clear-groups --inh-caps +sys_admin --ambient-caps +sys_admin ./leadermove > /tmp/a05.out 2>&1 &
sleep 0.5
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a05.audit; echo "clean rc=$?"
wait; cat /tmp/a05.out
if grep -q FAILED /tmp/a05.out; then echo "FAIL"; else echo PASS; fi
rm -f /tmp/a05.out /tmp/a05.audit'
