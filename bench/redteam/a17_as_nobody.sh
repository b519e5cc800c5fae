#!/bin/bash
# ipcscope run as nobody (no HOME, cannot read 0600 sets of others): list/clean honesty and exit codes;
# nobody cleaning its own orphan; default audit log path with HOME=/nonexistent.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
/usr/bin/python3 mkorphans.py 2             # uid 1000 orphans, unreadable to nobody
setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "
from semlib import *; s=semget(0,1,IPC_CREAT|0o600); semop(s,0,1)"   # nobody-owned orphan
N="setpriv --reuid 65534 --regid 65534 --clear-groups env HOME=/nonexistent"
$N ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons; echo "list rc=$?"
$N ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean; echo "clean (default log) rc=$?"
$N ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a17.audit --id 0; echo "clean --id 0 rc=$?"
$N ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a17.audit --json | head -30; echo "rc=$?"
ipcs -s; rm -f /tmp/a17.audit; echo "PASS (informational: unreadable sets are unknown and kept; note refused+failed double count)"'
