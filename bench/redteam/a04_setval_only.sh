#!/bin/bash
# Attack: the operator only ever used SETVAL (sempid set, otime stays 0 "never"). It still runs and holds the set.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *; import time
s=semget(0,1,IPC_CREAT|0o600); setval(s,0,1); print(\"pid\",getpid_(s),flush=True)
import os; setperm(s,uid=1001)  # hand the set to another user, as Apache does
time.sleep(3)
try: semop(s,0,-1); print(\"holder semop ok\")
except OSError as e: print(\"holder semop FAILED:\",e)
" > /tmp/a04.out 2>&1 &
sleep 0.5
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a04.audit; echo "clean rc=$?"
wait; cat /tmp/a04.out
if grep -q FAILED /tmp/a04.out; then echo "FAIL"; else echo PASS; fi
rm -f /tmp/a04.out /tmp/a04.audit'
