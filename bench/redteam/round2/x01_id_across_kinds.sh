#!/bin/bash
# semid 0, shmid 0 and msqid 0 all exist (IDs are per kind). Only the set is an orphan; the segment is attached
# (live) and the queue holds a message. What does each --id 0 form touch?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c "
import ctypes; l=ctypes.CDLL(None)
l.semget(0,1,0o1600); l.shmget(0,4096,0o1600); q=l.msgget(0,0o1600)
class M(ctypes.Structure): _fields_=[(\"t\",ctypes.c_long),(\"b\",ctypes.c_char*8)]
l.msgsnd(q, ctypes.byref(M(1,b\"keep\")), 8, 0)"
/usr/bin/python3 -c "
import ctypes,time; l=ctypes.CDLL(None); l.shmat.restype=ctypes.c_void_p; l.shmat(0,None,0); time.sleep(30)" & H=$!
sleep 0.3
for args in "--id 0" "--shm --id 0" "--msg --id 0" "--all --id 0" "--all --discard-messages --id 0"; do
  echo "== clean $args"; $IPCSCOPE clean $args --audit-log /tmp/x01.audit 2>&1 | grep -vE "^    -"; echo "rc=$?"
  echo "   left: sem=$(ipcs -s|grep -c ^0x) shm=$(ipcs -m|grep -c ^0x) msg=$(ipcs -q|grep -c ^0x)"
done
kill $H; rm -f /tmp/x01.*'
