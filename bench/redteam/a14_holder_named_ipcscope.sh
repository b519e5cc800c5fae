#!/bin/bash
# Attack: "ipcscope itself is not counted". A real holder whose name is ipcscope (PR_SET_NAME, or a copy of
# the binary e.g. a second ipcscope instance) - is it discounted as well?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *; import time,os,ctypes
ctypes.CDLL(None).prctl(15,b\"ipcscope\",0,0,0)
s=semget(0,1,IPC_CREAT|0o600)
pid=os.fork()
if pid==0: semop(s,0,1); os._exit(0)
os.waitpid(pid,0); time.sleep(3)
try: semop(s,0,-1); print(\"holder semop ok\")
except OSError as e: print(\"holder semop FAILED:\",e)
" > /tmp/a14.out 2>&1 &
sleep 0.5
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons | sed -n 2,8p
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a14.audit | tail -1
wait; cat /tmp/a14.out
grep -q FAILED /tmp/a14.out && echo "FAIL: holder named ipcscope not counted" || echo PASS; rm -f /tmp/a14.*'
