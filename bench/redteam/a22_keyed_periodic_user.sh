#!/bin/bash
# A keyed set used by a periodic job (cron-style) of uid 1000: a setup script made key 0x5eed with value 3
# (a 3-slot concurrency limiter). Each job run does semget(key,1,0) (no IPC_CREAT), takes a slot with
# SEM_UNDO, works, exits. Between runs no process of uid 1000 runs. "could re-find it by key" is the point
# of a key; the value (3 slots) is state that removal destroys.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
J="setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c"
$J "from semlib import *; s=semget(0x5eed,1,IPC_CREAT|IPC_EXCL|0o600); setval(s,0,3)"
job() { $J "
from semlib import *; import time
try: s=semget(0x5eed,1,0)
except OSError as e: print(\"job FAILED: limiter gone:\",e); raise SystemExit(1)
semop(s,0,-1,SEM_UNDO); time.sleep(0.2); print(\"job ok, slots now\", libc.semctl(s,0,GETVAL,0)+1)"; }
job; job
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons | sed -n 2,7p
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a22.audit | tail -1
job > /tmp/a22.out 2>&1; cat /tmp/a22.out
grep -q FAILED /tmp/a22.out && echo "FAIL: removed a keyed set that its periodic user re-finds by key (value 3 lost)" || echo PASS
rm -f /tmp/a22.*'
