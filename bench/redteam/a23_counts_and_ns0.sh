#!/bin/bash
# Lies in clean's summary/JSON and argument checks:
#  (1) --id of a live set + a missing ID: 2 sets asked for, text says "refused 1, failed 2", JSON "failed": 2
#  (2) a missing ID is reported with an invented key 0x00000000
#  (3) --ns 0 is accepted and silently cleans the caller's own namespace
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
/usr/bin/python3 -c "from semlib import *; import time; s=semget(0,1,IPC_CREAT|0o600); semop(s,0,1); time.sleep(5)" & sleep 0.4
fail=0
out=$(${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a23.audit --id 0,777); echo "$out"
echo "$out" | grep -q "refused 1, failed 2" && { echo "FAIL: 2 sets asked for, 3 outcomes counted (refused 1 + failed 2)"; fail=1; }
echo "$out" | grep -q "semid 777 key 0x00000000" && { echo "FAIL: invented key for a set that does not exist"; fail=1; }
j=$(${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a23.audit --json --id 0,777)
echo "$j" | grep -q "\"failed\": 2" && { echo "FAIL: JSON failed=2 though one of the two was refused, not failed"; fail=1; }
/usr/bin/python3 mkorphans.py 1
out=$(${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a23.audit --ns 0 2>&1); rc=$?
echo "--ns 0: rc=$rc: $(echo "$out" | tail -2 | tr "\n" " ")"
[ $rc != 2 ] && { echo "FAIL: --ns 0 not a usage error; it acted on the caller namespace"; fail=1; }
kill %1; rm -f /tmp/a23.audit; [ $fail = 0 ] && echo PASS || echo FAIL'
