#!/bin/bash
# Attack: the only holder (uid 1000, made the key-0 set, not its last operator) is hidden from ipcscope's /proc
# by a bind mount over /proc/PID in ipcscope's mount namespace (also: /proc/PID/status masked only).
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
fail=0
for what in dir status; do
ipcrm -a
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *; import time,os
s=semget(0,1,IPC_CREAT|0o600)
pid=os.fork()
if pid==0: semop(s,0,1); os._exit(0)   # a short-lived child was the last operator
os.waitpid(pid,0); print(os.getpid(),flush=True); time.sleep(3)
try: semop(s,0,-1); print(\"holder semop ok\")
except OSError as e: print(\"holder semop FAILED:\",e)
" > /tmp/a13.out 2>&1 &
sleep 0.5; H=$(head -1 /tmp/a13.out)
mkdir -p /tmp/a13.empty; echo "Name: x" > /tmp/a13.fake
if [ $what = dir ]; then M="mount --bind /tmp/a13.empty /proc/$H"; else M="mount --bind /tmp/a13.fake /proc/$H/status"; fi
unshare --mount --propagation private bash -c "$M && ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons | sed -n 2,9p; ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a13.audit | tail -1"
wait; tail -1 /tmp/a13.out
grep -q FAILED /tmp/a13.out && { echo "FAIL ($what masked)"; fail=1; } || echo "held ($what masked)"
done
rm -rf /tmp/a13.*; [ $fail = 0 ] && echo PASS || echo FAIL'
