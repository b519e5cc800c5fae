#!/bin/bash
# Two Apaches. A (started first): only its rewrite-map mutex is sysvsem ("Mutex sysvsem rewrite-map"); its child
# used the map and was recycled (MaxConnectionsPerChild 1), so A's only set has a dead last operator.
# B (started GAP s later): "Mutex sysvsem default", its sets show live operators. A's set is older than B's burst.
# Expected: A's set is kept (A runs and uses it for every RewriteMap lookup).
GAP=${1:-3}
cd "$(dirname "$0")"
exec unshare --ipc env GAP=$GAP bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
. ./apachelib.sh
mkap TA 18261 "" prefork; mkap TB 18271 18272 prefork
sed -i "s/^Mutex sysvsem default/Mutex sysvsem rewrite-map/" /tmp/ap-TA/httpd.conf
cat >> /tmp/ap-TA/httpd.conf <<C
MaxConnectionsPerChild 1
RewriteRule ^/(.*)\$ /\${lc:\$1} [PT]
C
/usr/sbin/apache2 -f /tmp/ap-TA/httpd.conf -k start; sleep 1.2
for i in 1 2 3; do curl -s -m 3 -o /dev/null -w "A before: %{http_code}\n" http://127.0.0.1:18261/x$i; done
sleep $GAP
/usr/sbin/apache2 -f /tmp/ap-TB/httpd.conf -k start; sleep 1.5
for i in $(ipcs -s | awk "/^0x/{print \$2}"); do echo "semid $i pid=$(ipcs -s -i $i | awk "/^0 /{print \$NF}")"; done
ps -o pid,ppid,user,args --ppid $(cat /tmp/ap-TA/pid),$(cat /tmp/ap-TB/pid) -p $(cat /tmp/ap-TA/pid),$(cat /tmp/ap-TB/pid) | cut -c1-60
$IPCSCOPE list --reasons
$IPCSCOPE clean --audit-log /tmp/ap02.audit | tail -2; echo "clean rc=${PIPESTATUS[0]}"
for i in 1 2 3; do curl -s -m 3 -o /dev/null -w "A after clean: %{http_code}\n" http://127.0.0.1:18261/y$i; done
sleep 0.5
/usr/sbin/apache2 -f /tmp/ap-TA/httpd.conf -k stop; /usr/sbin/apache2 -f /tmp/ap-TB/httpd.conf -k stop; sleep 1
grep -E "AH00659|AH0066|mutex|rewrite" /tmp/ap-TA/error.log | tail -3
grep -qiE "AH00659|AH00660|AH00661|mutex" /tmp/ap-TA/error.log && echo "FAIL: removed the running Apache A rewrite-map mutex" || echo PASS
rm -rf /tmp/ap-TA /tmp/ap-TB /tmp/ap02.audit'
