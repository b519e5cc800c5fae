#!/bin/bash
# Someone holds the audit directory's flock forever (a stuck clean, a hung NFS writer, a mistaken admin script).
# Does clean hang (timer runs pile up) or give up with a non-zero exit and remove nothing?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
/usr/bin/python3 mkorphans.py 2; mkdir -p /tmp/a21
flock /tmp/a21 sleep 60 & sleep 0.3
start=$(date +%s.%N)
timeout 45 ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a21/audit.jsonl; rc=$?
end=$(date +%s.%N); echo "rc=$rc after $(echo "$end - $start" | bc) s; sets left $(ipcs -s | grep -c ^0x)"
kill %1; rm -rf /tmp/a21
if [ $rc = 124 ]; then echo "FAIL: hang"; elif [ $rc = 0 ] && [ $(ipcs -s | grep -c ^0x) != 0 ]; then echo "FAIL: exit 0 though nothing done"; else echo PASS; fi'
