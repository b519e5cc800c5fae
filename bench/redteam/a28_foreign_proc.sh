#!/bin/bash
# Attack: ipcscope (host PID namespace) is given a /proc that belongs to a child PID namespace, in which the
# holder is not visible. README: "this /proc is not its own PID namespace's" -> nothing is orphan. Check.
cd "$(dirname "$0")"
exec unshare --ipc --mount --propagation private bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *; import time,os
s=semget(0,1,IPC_CREAT|0o600)
p=os.fork()
if p==0: semop(s,0,1); os._exit(0)
os.waitpid(p,0); time.sleep(4)
try: semop(s,0,-1); print(\"holder semop ok\")
except OSError as e: print(\"holder semop FAILED:\",e)" > /tmp/a28.out 2>&1 &
sleep 0.4
# a process in a fresh PID namespace mounts its /proc over ours (same mount namespace), then stays
unshare --pid --fork bash -c "mount -t proc proc /proc; sleep 6" & sleep 0.5
ls /proc | grep -E "^[0-9]+$" | tr "\n" " "; echo "<- pids visible in /proc now; self=$(readlink /proc/self)"
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons | sed -n 2,8p
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a28.audit | tail -1
wait; cat /tmp/a28.out; grep -q FAILED /tmp/a28.out && echo FAIL || echo PASS; rm -f /tmp/a28.*'
