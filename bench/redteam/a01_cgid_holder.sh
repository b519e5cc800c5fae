#!/bin/bash
# Attack: kernel ipcperms() admits a process whose group matches the set's *creator* gid (cgid),
# even after IPC_SET changed gid. Does ipcscope count such a process as one its permissions let in?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
# creator: uid 1000 gid 2000 makes key 0x5151 mode 0660, operates once, hands set to uid 1001 gid 3000, exits
setpriv --reuid 1000 --regid 2000 --clear-groups /usr/bin/python3 -c "
from semlib import *
s=semget(0x5151,1,IPC_CREAT|0o660); semop(s,0,1); setperm(s,uid=1001,gid=3000)"
# holder: uid 1002 gid 2000 (matches cgid only) opens the set by key and will use it later
setpriv --reuid 1002 --regid 2000 --clear-groups /usr/bin/python3 -c "
from semlib import *; import time,sys
s=semget(0x5151,0,0); print(\"holder has id\",s,flush=True); time.sleep(3)
try: semop(s,0,-1); print(\"holder semop ok\")
except OSError as e: print(\"holder semop FAILED:\",e)
" > /tmp/a01.holder 2>&1 &
sleep 0.5
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a01.audit; echo "clean rc=$?"
wait
cat /tmp/a01.holder
if grep -q FAILED /tmp/a01.holder; then echo "FAIL: ipcscope removed a set held by a process the kernel lets in via cgid"; else echo PASS; fi
rm -f /tmp/a01.holder /tmp/a01.audit
'
