#!/bin/bash
# Attack: real apache2 prefork (Mutex sysvsem default, RewriteMap prg:), its parent kill -9'd. The children
# (strays) keep their listening sockets and keep serving, using the accept and rewrite-map mutexes for every
# request (README: "apache-strays ... they keep using their mutexes"). php-fpm and nginx (www-data) run beside.
# clean --include-stale: does it remove the mutexes the strays are using right now? (and what does it say?)
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
. ./apachelib.sh
D=/tmp/ap-S5; rm -rf $D; mkap S5 18561 "" prefork
echo "RewriteRule ^/r/(.*)\$ /\${lc:\$1} [PT]" >> $D/httpd.conf; echo x > $D/foo
printf "[global]\npid = $D/fpm.pid\nerror_log = $D/fpm.log\n[www]\nuser = www-data\ngroup = www-data\nlisten = 127.0.0.1:18565\npm = static\npm.max_children = 2\n" > $D/fpm.conf
printf "user www-data;\npid $D/nginx.pid;\nerror_log $D/nginx.err;\nevents {}\nhttp { access_log off; server { listen 127.0.0.1:18566; return 200; } }\n" > $D/nginx.conf
/usr/sbin/php-fpm8.2 -F -y $D/fpm.conf & FPM=$!; /usr/sbin/nginx -c $D/nginx.conf
/usr/sbin/apache2 -f $D/httpd.conf -k start; sleep 1.5
hit() { for i in 1 2 3 4 5 6; do curl -s -m 2 -o /dev/null -w "%{http_code} " http://127.0.0.1:18561/r/foo; done; echo; }
echo -n "before: "; hit
P=$(cat $D/pid); kill -9 $P; sleep 0.5
echo -n "strays serve: "; hit
# the stray that last used the rewrite-map mutex dies (MaxConnectionsPerChild, crash): others keep serving
for id in $(ipcs -s | awk "/^0x/{print \$2}"); do L=$(ipcs -s -i $id | awk "/^0 /{print \$NF}"); echo "set $id last op $L"; [ "$L" -gt 0 ] && kill -9 $L; done; sleep 0.3
echo "strays: $(pgrep -f "apache2 -f $D/httpd.conf" | tr "\n" " ")"
$IPCSCOPE list --reasons | grep -E "^0x|rule|stray|still"
$IPCSCOPE clean --audit-log $D/a1.jsonl | tail -1; echo "clean rc=$?"
$IPCSCOPE clean --include-stale --audit-log $D/a2.jsonl; echo "clean --include-stale rc=$?"
echo -n "after: "; R=$(hit); echo $R; sleep 0.3
grep -iE "AH00144|AH00146|AH00659|mutex|Identifier removed" $D/error.log | head -4
N=$(grep -ciE "AH00144|AH00146|AH00659|mutex|Identifier removed" $D/error.log)
kill $FPM; kill $(cat $D/nginx.pid); pkill -u www-data -f "apache2 -f $D/httpd.conf"; sleep 0.5
[ "$N" -gt 0 ] && echo "FAIL: --include-stale removed the mutexes the running strays use ($N errors)" || echo PASS
'
