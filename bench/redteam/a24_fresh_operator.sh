#!/bin/bash
# A process that operates on its set within microseconds of starting, and stays alive. Start times come from
# /proc/PID/stat ticks + btime (whole seconds), otime is whole seconds: is a genuine live operator ever
# judged "operator-started-later" (stale, removable with --include-stale)?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
for i in $(seq 1 300); do setpriv --reuid 1000 --regid 1000 --clear-groups ./fastop 20 & sleep 0.0$((RANDOM%10)); done
sleep 0.5
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --json > /tmp/a24.json
/usr/bin/python3 -c "
import json; d=json.load(open(\"/tmp/a24.json\"))
from collections import Counter
print(Counter((s[\"verdict\"],s[\"rule\"]) for s in d[\"semaphores\"]))
bad=[s for s in d[\"semaphores\"] if s[\"rule\"]!=\"operator-alive\"]
for s in bad[:2]: print(s[\"id\"], s[\"rule\"], s[\"reasons\"])
print(\"FAIL\" if bad else \"PASS\")
"
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --include-stale --audit-log /tmp/a24.audit | tail -2
kill $(jobs -p) 2>/dev/null; rm -f /tmp/a24.*'
