#!/bin/bash
# Apache A's parent is killed with -9; its prefork children keep serving on A's sockets (strays) and use A's
# rewrite-map mutex. Then a second Apache B is started (other config/ports). Is A's mutex still protected
# by the apache-strays rule, or does B's newer burst make it "orphan"?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
cd "$REDTEAM_DIR"; . ./apachelib.sh
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
mkap SA 18161 18162 prefork
echo "RewriteRule ^/(.*)\$ /\${lc:\$1} [PT]" >> /tmp/ap-SA/httpd.conf
mkap SB 18171 18172 prefork
/usr/sbin/apache2 -f /tmp/ap-SA/httpd.conf -k start; sleep 1.2
P=$(cat /tmp/ap-SA/pid); KIDS=$(ps -o pid= --ppid $P | tr "\n" " "); echo "A parent $P children $KIDS"
kill -9 $P; sleep 12
/usr/sbin/apache2 -f /tmp/ap-SB/httpd.conf -k start; sleep 1.5
ps -o pid,ppid,args -p "$(echo $KIDS $(cat /tmp/ap-SB/pid) | tr " " ",")" | cut -c1-70
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a31.audit | tail -2
for i in 1 2 3; do curl -s -m 3 -o /dev/null -w "A (strays) after clean: %{http_code}\n" http://127.0.0.1:18161/y$i; done
/usr/sbin/apache2 -f /tmp/ap-SB/httpd.conf -k stop; kill -9 $KIDS 2>/dev/null; sleep 1   # our own strays, by PID
grep -E "AH00659|mutex" /tmp/ap-SA/error.log | tail -3
grep -q AH00659 /tmp/ap-SA/error.log && echo "FAIL: removed the mutex the strays of A still use" || echo PASS
rm -rf /tmp/ap-SA /tmp/ap-SB /tmp/a31.audit'
