#!/bin/bash
# The inspector at 80x24 under tmux: hostile comm / user names, 2000 sets, select orphans, remove, quit.
cd "$(dirname "$0")"
S=a15$$
cat > /tmp/a15.inner <<'IN'
cd "$REDTEAM_DIR"
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
cp /etc/passwd /tmp/a15.passwd; printf "\033]2;PWNED\007\033[2J\033[5mev\x1b[1Ail:x:1234:1234::/:/bin/false\n" >> /tmp/a15.passwd
mount --bind /tmp/a15.passwd /etc/passwd
/usr/bin/python3 -c "
from semlib import *; import ctypes,time,os
ctypes.CDLL(None).prctl(15, b\"\x1b]2;OWN\x07\x1b[H\x1b[J\", 0,0,0)
s=semget(0x99,1,IPC_CREAT|0o600); semop(s,0,1); time.sleep(60)" &
/usr/bin/python3 -c "
from semlib import *; import os
os.setgid(1234); os.setuid(1234)
for i in range(2000): s=semget(0,1,IPC_CREAT|0o600); semop(s,0,1)"
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} --audit-log /tmp/a15.audit 2>/tmp/a15.err || ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} 2>/tmp/a15.err
echo "INSPECTOR EXITED rc=$?"; ipcs -s | grep -c ^0x > /tmp/a15.left; kill %1; sleep 100
IN
tmux new-session -d -s $S -x 80 -y 24 "unshare --ipc --mount --propagation private bash /tmp/a15.inner"
sleep 3; tmux capture-pane -p -t $S > /tmp/a15.p1; tmux display -p -t $S '#{pane_title}' > /tmp/a15.title
cat /tmp/a15.p1; echo "title: $(cat /tmp/a15.title)"
tmux send-keys -t $S o; sleep 0.5; tmux send-keys -t $S x; sleep 0.7; tmux capture-pane -p -t $S > /tmp/a15.p2; tmux send-keys -t $S y; sleep 2
tmux capture-pane -p -t $S > /tmp/a15.p3; sed -n 1,24p /tmp/a15.p2; echo ----; cat /tmp/a15.p3
tmux send-keys -t $S q; sleep 1.5; tmux capture-pane -p -t $S | grep -a "INSPECTOR EXITED" || echo "FAIL: inspector did not quit on q"
echo "left after remove: $(cat /tmp/a15.left 2>/dev/null)"; wc -l /tmp/a15.audit 2>/dev/null; cat /tmp/a15.err | head
fail=0; grep -q PWNED /tmp/a15.title && { echo "FAIL: title injected"; fail=1; }
grep -q OWN /tmp/a15.title && { echo "FAIL: title injected"; fail=1; }
tmux kill-session -t $S; rm -f /tmp/a15.*
[ $fail = 0 ] && echo "PASS (check screens above)" || echo FAIL
