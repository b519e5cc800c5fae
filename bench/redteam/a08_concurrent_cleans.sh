#!/bin/bash
# Attack: concurrent cleans, (a) 6 sharing one audit log, (b) 6 with audit logs in different directories
# (so they do not share the directory lock). Check: whole JSON lines, each set has exactly one 'removed'
# record, no record claims a removal another process did, exit codes honest.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
analyze() { /usr/bin/python3 - "$@" <<PY
import json,sys,collections
recs=[]
for f in sys.argv[1:]:
    data=open(f,"rb").read()
    if data and not data.endswith(b"\n"): print("FAIL partial trailing line in",f)
    for l in data.split(b"\n")[:-1]:
        try: recs.append(json.loads(l))
        except Exception as e: print("FAIL bad line",f,l[:100]); 
keys=collections.Counter()
evs=collections.Counter()
for r in recs:
    ev=r.get("event") or r.get("action") or r.get("outcome") or r.get("result")
    evs[str(ev)]+=1
    sid=(r.get("set") or {}).get("id", r.get("id"))
    keys[(sid,str(ev))]+=1
print("records",len(recs),"events",dict(evs))
net=collections.Counter()
for (sid,ev),v in keys.items():
    if ev=="remove": net[sid]+=v
    elif ev=="remove-cancelled": net[sid]-=v
bad=[k for k,v in net.items() if v!=1]
print("sets with net removals != 1:", len(bad), "of", len(net))
print("FAIL" if bad or len(net)!=300 else "PASS")
if recs: print("sample keys",sorted(recs[0].keys()))
PY
}
/usr/bin/python3 mkorphans.py 300
rm -rf /tmp/a08; mkdir -p /tmp/a08
for i in 1 2 3 4 5 6; do ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a08/audit.jsonl > /tmp/a08/out$i 2>&1 & done; wait
echo "(a) left: $(ipcs -s | grep -c ^0x)"; grep -h "^Removed" /tmp/a08/out*; analyze /tmp/a08/audit.jsonl
/usr/bin/python3 mkorphans.py 300
for i in 1 2 3 4 5 6; do mkdir -p /tmp/a08/d$i; ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a08/d$i/audit.jsonl > /tmp/a08/o$i 2>&1 & echo $? >/dev/null; done; wait
echo "(b) left: $(ipcs -s | grep -c ^0x)"; grep -h "^Removed" /tmp/a08/o[0-9]*; analyze /tmp/a08/d*/audit.jsonl
rm -rf /tmp/a08
'
