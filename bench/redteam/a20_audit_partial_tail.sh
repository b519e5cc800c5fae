#!/bin/bash
# The audit log already ends in a partial line (a crash of another writer, a full disk earlier, a manual edit).
# Are ipcscope's new records still whole JSON lines of their own?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
/usr/bin/python3 mkorphans.py 3
printf "{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"remove\",\"set\":{\"id\":1" > /tmp/a20.audit
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a20.audit | tail -1; echo "rc=$?"
/usr/bin/python3 -c "
import json
good=bad=0
for l in open(\"/tmp/a20.audit\",\"rb\").read().split(b\"\n\"):
    if not l: continue
    try: json.loads(l); good+=1
    except Exception: bad+=1; print(\"unparsable:\", l[:120])
print(\"parsable\",good,\"unparsable\",bad)
import sys; sys.exit(0 if good==3 else 1)" && echo PASS || echo "FAIL: a new record was glued to the old partial line"
rm -f /tmp/a20.audit'
