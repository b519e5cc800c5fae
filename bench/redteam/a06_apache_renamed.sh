#!/bin/bash
# Attack: a real Apache whose binary is not called apache2/httpd (RHEL 6's httpd.worker / httpd.event,
# or any vendor build). Its rewrite-map mutex was last locked by a child that has since exited
# (MaxConnectionsPerChild). Does ipcscope still see an Apache and keep the set?
# usage: a06_apache_renamed.sh [symlink|copy] [name]
cd "$(dirname "$0")"
MODE=${1:-copy} NAME=${2:-websrv}   # "symlink httpd.worker" and "copy httpd.worker" hold
exec unshare --ipc bash -c '
cd "$REDTEAM_DIR"; . ./apachelib.sh
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
MODE='$MODE' NAME='$NAME'
mkdir -p /tmp/a06bin; rm -f /tmp/a06bin/$NAME
if [ $MODE = copy ]; then cp /usr/sbin/apache2 /tmp/a06bin/$NAME; else ln -s /usr/sbin/apache2 /tmp/a06bin/$NAME; fi
mkap R 18101 "" event
cat >> /tmp/ap-R/httpd.conf <<C
MaxConnectionsPerChild 1
RewriteRule ^/(.*)\$ /\${lc:\$1} [PT]
C
/tmp/a06bin/$NAME -f /tmp/ap-R/httpd.conf -k start; sleep 1.5
curl -s -o /dev/null -w "first request: %{http_code}\n" http://127.0.0.1:18101/hello; sleep 2
ps -o pid,comm,args -C $NAME | cut -c1-80
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a06.audit; echo "clean rc=$?"
for i in 1 2 3; do curl -s -o /dev/null -w "after clean: %{http_code}\n" http://127.0.0.1:18101/hello$i; done; sleep 0.5
/tmp/a06bin/$NAME -f /tmp/ap-R/httpd.conf -k stop; sleep 1
grep -iE "mutex|AH0014|rewrite" /tmp/ap-R/error.log | tail -5
if grep -q "^removed" <(/bin/true) ; then :; fi
if grep -qiE "mutex|AH0014" /tmp/ap-R/error.log || grep -q "\"verdict\"" /tmp/a06.audit 2>/dev/null; then echo "FAIL: removed the mutex of a running Apache ($MODE $NAME)"; else echo PASS; fi
rm -rf /tmp/a06bin /tmp/ap-R /tmp/a06.audit'
