#!/bin/bash
# Lies in reasons: (1) a keyed set (key 0x1234) is explained as "key 0: only its creator ... can know its ID";
# (2) a process in ANOTHER IPC namespace (PID 1, the host's init, whose ns link we cannot read) is named as
#     running "in this IPC namespace"; (3) JSON vs text.
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
/usr/bin/python3 -c "from semlib import *; semget(0,1,IPC_CREAT|0o600); semget(0x1234,1,IPC_CREAT|0o600)"
out=$(${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons); echo "$out"
fail=0
echo "$out" | grep -A3 "^0x00001234" | grep -q "key 0:" && { echo "FAIL: keyed set 0x00001234 explained as a key-0 set"; fail=1; }
c1=$(cat /proc/1/comm); ns1=$(readlink /proc/1/ns/ipc 2>&1)
echo "PID 1 ($c1) ipc ns: $ns1 ; ours: $(readlink /proc/self/ns/ipc)"
echo "$out" | grep -q "$c1" && { echo "FAIL: $c1 (PID 1, not in this IPC namespace as far as anyone can tell) is claimed to run in this IPC namespace"; fail=1; }
[ $fail = 0 ] && echo PASS || echo FAIL'
