#!/bin/bash
# A non-Apache root daemon (still running, it made the set) gives a key-0, 1-semaphore, 0600 set to www-data,
# as many pre-fork daemons do; its www-data worker was the last operator and was recycled. No Apache runs.
# The README admits the assumption; this shows what it costs: the running creator is ignored.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
/usr/bin/python3 -c "
from semlib import *; import os,time,ctypes
ctypes.CDLL(None).prctl(15,b\"mydaemon\",0,0,0)
s=semget(0,1,IPC_CREAT|0o600); setval(s,0,1); setperm(s,uid=33,gid=33)
def worker():
    p=os.fork()
    if p==0:
        os.setgid(33); os.setuid(33); semop(s,0,-1); semop(s,0,1); os._exit(0)
    os.waitpid(p,0)
worker(); time.sleep(3)
try: worker(); semop(s,0,0,0x800); print(\"daemon still works\")
except OSError as e: print(\"daemon FAILED:\",e)
" > /tmp/a30.out 2>&1 &
sleep 0.5
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons | sed -n 2,9p
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a30.audit | tail -1
wait; cat /tmp/a30.out; grep -q FAILED /tmp/a30.out && echo "FAIL: removed the set of a running (non-Apache) root daemon" || echo PASS; rm -f /tmp/a30.*'
