#!/bin/bash
# Attack (race): N keyed orphan sets of uid 1000. While clean works through them (batches), a new process of
# uid 1000 starts and re-finds every set still there by its key (semget), holding them to use 1.5 s later.
# From that moment every set is "holders"/stale, not orphan. Count the sets that were removed AFTER the holder
# had opened them (its semop then fails with EINVAL).
N=${1:-12000}; DELAYS=${2:-"$(seq -s " " 0.10 0.01 0.45)"}
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
N='$N'; fail=0
for d in '"$DELAYS"'; do
ipcrm -a
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "
from semlib import *
for k in range(1,$N+1):
    s=semget(0x100000+k,1,IPC_CREAT|0o600); semop(s,0,1)"
rm -f /tmp/a11.audit
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a11.audit >/tmp/a11.clean 2>&1 &
sleep $d
setpriv --reuid 1000 --regid 1000 --clear-groups ./grabber $N > /tmp/a11.holder 2>&1
wait
echo "delay $d: clean: $(grep -h ^Removed /tmp/a11.clean) | $(cat /tmp/a11.holder)"
grep -q "removed while held: [1-9]" /tmp/a11.holder && fail=1
done
rm -f /tmp/a11.*
[ $fail = 0 ] && echo PASS || echo "FAIL: removed sets that a live holder had re-found by key (after the holder appeared)"'
