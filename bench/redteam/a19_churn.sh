#!/bin/bash
# Sets appearing/vanishing mid-scan: a live uid-1000 churner creates, operates and removes sets nonstop
# (plus 20000 static live sets of a holder). Repeated list --json must be valid and self-consistent;
# clean must never remove a churner's set (its operator / creator is alive).
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
echo "32000 1024000000 500 32000" > /proc/sys/kernel/sem
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *; import time
st=[semget(0,1,IPC_CREAT|0o600) for i in range(20000)]
for s in st[:100]: semop(s,0,1)
t=time.time(); n=0
while time.time()-t<8:
    a=[semget(0,1,IPC_CREAT|0o600) for i in range(50)]
    for s in a: semop(s,0,1)
    for s in a: rmid(s)
    n+=1
print(\"churn rounds\",n)" > /tmp/a19.churn 2>&1 &
sleep 2; fail=0
for i in $(seq 1 8); do
  ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --json > /tmp/a19.json 2>/tmp/a19.err; rc=$?
  /usr/bin/python3 -c "
import json,sys
raw=open(\"/tmp/a19.json\").read()
d=json.loads(raw)
n=len(d[\"semaphores\"]); u=d[\"usage\"]
c={}
for s in d[\"semaphores\"]: c[s[\"verdict\"]]=c.get(s[\"verdict\"],0)+1
ok = u[\"sets\"]==n and c.get(\"orphan\",0)==u[\"orphans\"] and c.get(\"live\",0)==u[\"live\"] and c.get(\"stale\",0)==u[\"stale\"]
print((\"ok\" if ok else \"MISMATCH\"), \"rc='$rc'\", n, u, c, \"vanished\", d.get(\"vanished\"))
" || { echo "FAIL: invalid JSON (rc=$rc): $(head -c 300 /tmp/a19.err)"; fail=1; }
  ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a19.audit > /tmp/a19.clean 2>&1
  grep -h "^Removed\|^Nothing" /tmp/a19.clean | head -1
  grep -q "^removed " /tmp/a19.clean && { echo "FAIL: removed a live churn set"; grep "^removed" /tmp/a19.clean | head -3; fail=1; }
done
wait; cat /tmp/a19.churn; rm -f /tmp/a19.*
[ $fail = 0 ] && echo PASS || echo FAIL'
