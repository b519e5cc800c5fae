#!/bin/bash
# Inspector removal (o, x, y) with the audit log on a full tmpfs, and on /dev/full: must remove nothing.
cd "$(dirname "$0")"
S=a25$$
cat > /tmp/a25.inner <<'IN'
cd "$REDTEAM_DIR"
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
mkdir -p /tmp/a25m; mount -t tmpfs -o size=4k tmpfs /tmp/a25m; dd if=/dev/zero of=/tmp/a25m/fill bs=1k count=4 2>/dev/null
/usr/bin/python3 mkorphans.py 30
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} --audit-log $AUD
echo "LEFT $(ipcs -s | grep -c ^0x)"; sleep 30
IN
fail=0
for AUD in /tmp/a25m/audit.jsonl /dev/full; do
tmux new-session -d -s $S -x 100 -y 30 "AUD=$AUD unshare --ipc --mount --propagation private bash /tmp/a25.inner"
sleep 2.5; tmux send-keys -t $S o; sleep 0.4; tmux send-keys -t $S x; sleep 0.5; tmux send-keys -t $S y; sleep 0.4; tmux send-keys -t $S y; sleep 2
tmux capture-pane -p -t $S | grep -iE "audit|remov|fail|error|LEFT" | head -6
tmux send-keys -t $S Escape; sleep 0.3; tmux send-keys -t $S q; sleep 0.3; tmux send-keys -t $S q; sleep 1.5
L=$(tmux capture-pane -p -t $S | grep -o "LEFT [0-9]*"); echo "$AUD: $L"
[ "$L" != "LEFT 30" ] && { echo "FAIL: sets removed without an audit record ($AUD)"; fail=1; }
tmux kill-session -t $S
done
rm -f /tmp/a25.inner; [ $fail = 0 ] && echo PASS || echo FAIL
