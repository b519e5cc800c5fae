#!/bin/bash
# Attack: control bytes in a process name (PR_SET_NAME) and in a user name (/etc/passwd bind-mounted in a
# private mount namespace) reach list / list --reasons / clean --dry-run / JSON.
cd "$(dirname "$0")"
exec unshare --ipc --mount --propagation private bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
cp /etc/passwd /tmp/a09.passwd; printf "\033]0;PWNED\007\033[2J\033[31mevil\r:x:1234:1234::/:/bin/false\n" >> /tmp/a09.passwd
mount --bind /tmp/a09.passwd /etc/passwd
# operator with a hostile comm, still running -> appears in the operators column and reasons
/usr/bin/python3 -c "
from semlib import *; import ctypes,time,os
libc=ctypes.CDLL(None); libc.prctl(15, b\"\x1b[2J\x1b]0;X\x07\r\n\x9b31m\", 0,0,0)
s=semget(0x99,1,IPC_CREAT|0o600); semop(s,0,1); time.sleep(5)" &
sleep 0.5
# set owned by the hostile user name, orphan
/usr/bin/python3 -c "
from semlib import *; import os
os.setgid(1234); os.setuid(1234); s=semget(0,1,IPC_CREAT|0o600); semop(s,0,1)"
/usr/bin/python3 -c "
from semlib import *; s=semget(0x98,1,IPC_CREAT|0o600); setperm(s,uid=1234)"
fail=0
for cmd in "list" "list --reasons" "clean --dry-run" "limits" "namespaces"; do
  out=$(${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} $cmd 2>&1)
  if printf "%s" "$out" | LC_ALL=C grep -qP "[\x00-\x08\x0b-\x1f\x7f]|\xc2\x9b"; then
     echo "FAIL: raw control bytes in \"ipcscope $cmd\":"; printf "%s" "$out" | LC_ALL=C grep -P "[\x00-\x08\x0b-\x1f\x7f]|\xc2\x9b" | cat -v | head -5; fail=1
  else echo "ok: ipcscope $cmd"; printf "%s\n" "$out" | grep -iE "evil|1234|X" | head -3; fi
done
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --json | grep -o "\"user\":\"[^\"]*\"" | sort -u | head
kill %1 2>/dev/null; wait
umount /etc/passwd; rm -f /tmp/a09.passwd
[ $fail = 0 ] && echo PASS || echo FAIL'
