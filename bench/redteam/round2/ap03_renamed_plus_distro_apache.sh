#!/bin/bash
# A vendor Apache build under another name ("webd", a copy of /usr/sbin/apache2) runs on the box; its rewrite-map
# mutex was last locked by a child since recycled (MaxConnectionsPerChild 1). GAP s later the distro apache2 is
# started too. The libapr fallback that finds renamed Apaches only runs "when no apache2 or httpd process runs",
# so webd's set is judged against apache2's launch alone. Expected: kept (webd runs and uses it).
GAP=${1:-35}
cd "$(dirname "$0")"
exec unshare --ipc env GAP=$GAP bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
. ./apachelib.sh
mkdir -p /tmp/ap03bin; cp /usr/sbin/apache2 /tmp/ap03bin/webd
mkap RW 18281 "" event; mkap DI 18291 18292 prefork
printf "MaxConnectionsPerChild 1\nRewriteRule ^/(.*)\$ /\${lc:\$1} [PT]\n" >> /tmp/ap-RW/httpd.conf
/tmp/ap03bin/webd -f /tmp/ap-RW/httpd.conf -k start; sleep 1.5
curl -s -o /dev/null -w "webd first request: %{http_code}\n" http://127.0.0.1:18281/hello
sleep $GAP
/usr/sbin/apache2 -f /tmp/ap-DI/httpd.conf -k start; sleep 1.5
$IPCSCOPE list --reasons
$IPCSCOPE clean --audit-log /tmp/ap03.audit | tail -2; echo "clean rc=${PIPESTATUS[0]}"
for i in 1 2 3; do curl -s -m 3 -o /dev/null -w "webd after clean: %{http_code}\n" http://127.0.0.1:18281/y$i; done
sleep 0.5
/tmp/ap03bin/webd -f /tmp/ap-RW/httpd.conf -k stop; /usr/sbin/apache2 -f /tmp/ap-DI/httpd.conf -k stop; sleep 1
grep -iE "mutex|AH0014|AH0066|rewrite" /tmp/ap-RW/error.log | tail -3
grep -qiE "mutex|AH0014|AH0066" /tmp/ap-RW/error.log && echo "FAIL: removed the rewrite-map mutex of the running renamed Apache" || echo PASS
rm -rf /tmp/ap03bin /tmp/ap-RW /tmp/ap-DI /tmp/ap03.audit'
