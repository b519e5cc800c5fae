#!/bin/bash
# Attack: --id of missing / live / stale / orphan sets, malformed arguments; are exit codes and JSON honest?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
/usr/bin/python3 mkorphans.py 1   # id 0 orphan
/usr/bin/python3 -c "from semlib import *; s=semget(0x55,1,IPC_CREAT|0o600)"   # id 1: root cuid 0 -> stale
/usr/bin/python3 -c "from semlib import *; import time; s=semget(0,1,IPC_CREAT|0o600); semop(s,0,1); time.sleep(30)" & # id 2 live
sleep 0.5; A=/tmp/a10.audit
F=0
t() { exp=$1; shift; out=$(${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} "$@" 2>&1); rc=$?; m=ok; [ "$rc" != "$exp" ] && m="FAIL(expected $exp)"; echo "rc=$rc $m :: ipcscope $* :: $(echo "$out" | head -3 | tr "\n" "|" | cut -c1-230)"; }
t 1 clean --audit-log $A --id 12345
t 1 clean --audit-log $A --id 2
t 1 clean --audit-log $A --id 1
t 1 clean --audit-log $A --dry-run --id 2
t 2 clean --audit-log $A --id abc
t 2 clean --audit-log $A --id -1
t 2 clean --audit-log $A --id 99999999999999999999
t 2 clean --audit-log $A --id 0x0
t 2 clean --audit-log $A --id ""
t 2 clean --audit-log $A --id 1,,2
t 2 clean --audit-log ""
t 2 clean --audit-log $A --ns 0
t 2 clean --audit-log $A --ns -5
t 1 clean --audit-log $A --ns 999999
t 2 list --verdict bogus
t 2 list --verdict ""
t 2 clean --audit-log $A extra-arg
t 1 clean --audit-log $A --json --id 12345
t 1 clean --audit-log $A --json --id 2
t 0 clean --audit-log $A --dry-run --id 0
t 0 clean --audit-log $A --id 0,0
t 1 clean --audit-log $A --id 0
kill %1; rm -f $A
echo "(rows marked FAIL are wrong exit codes; --ns 0 also acted on the caller namespace)"'
