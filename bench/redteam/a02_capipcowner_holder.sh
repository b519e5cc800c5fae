#!/bin/bash
# Attack: a non-root daemon with CAP_IPC_OWNER (uid 1005) holds and will use a 0600 set of uid 1000,
# whose creator exited. The kernel lets it in; does ipcscope?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *
s=semget(0x7777,1,IPC_CREAT|0o600); semop(s,0,1)"
setpriv --reuid 1005 --regid 1005 --clear-groups --inh-caps +ipc_owner --ambient-caps +ipc_owner /usr/bin/python3 -c "
from semlib import *; import time
s=semget(0x7777,0,0); print(\"holder has id\",s,flush=True); time.sleep(3)
try: semop(s,0,-1); print(\"holder semop ok\")
except OSError as e: print(\"holder semop FAILED:\",e)
" > /tmp/a02.holder 2>&1 &
sleep 0.5
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a02.audit; echo "clean rc=$?"
wait; cat /tmp/a02.holder
if grep -q FAILED /tmp/a02.holder; then echo "FAIL: removed a set used by a CAP_IPC_OWNER process"; else echo PASS; fi
rm -f /tmp/a02.holder /tmp/a02.audit'
