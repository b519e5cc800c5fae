#!/bin/bash
# Huge sets: SEMMSL raised to 32000 in the private namespace; 300 sets x 32000 semaphores (9.6M sems).
# How long do list / list --json / clean take, and how much memory? (a cron job every 5 min must not pile up)
N=${1:-300}
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
echo "32000 1024000000 500 32000" > /proc/sys/kernel/sem
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *
for i in range('$N'):
    s=semget(0,32000,IPC_CREAT|0o600); semop(s,31999,1)"
for c in "limits" "list" "list --json" "clean --dry-run --audit-log /tmp/a29.audit" "clean --audit-log /tmp/a29.audit"; do
  /usr/bin/time -f "%e s, %M KiB max RSS" ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} $c > /tmp/a29.out 2>/tmp/a29.time; echo "ipcscope $c: $(tail -1 /tmp/a29.time); output $(wc -c < /tmp/a29.out) bytes; $(tail -1 /tmp/a29.out | cut -c1-120)"
done
echo "audit log: $(wc -c < /tmp/a29.audit) bytes, $(wc -l < /tmp/a29.audit) lines"; rm -f /tmp/a29.*'
