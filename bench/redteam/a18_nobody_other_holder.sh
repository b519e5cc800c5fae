#!/bin/bash
# ipcscope as nobody cleaning nobody's set (mode 0606: others may use it). The holder is uid 1000, whose
# /proc/PID/ns/ipc nobody cannot read. Does ipcscope treat "cannot tell" as "not in this namespace"?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "
from semlib import *; s=semget(0x6060,1,IPC_CREAT|0o606); semop(s,0,1)"
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *; import time
s=semget(0x6060,0,0); time.sleep(3)
try: semop(s,0,-1); print(\"holder semop ok\")
except OSError as e: print(\"holder semop FAILED:\",e)" > /tmp/a18.out 2>&1 &
sleep 0.5
N="setpriv --reuid 65534 --regid 65534 --clear-groups env HOME=/tmp"
$N ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons | sed -n 2,8p
$N ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a18.audit | tail -2
wait; cat /tmp/a18.out; grep -q FAILED /tmp/a18.out && echo FAIL || echo PASS; rm -f /tmp/a18.*'
