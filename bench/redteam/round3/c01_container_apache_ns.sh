#!/bin/bash
# Attack: a "container" (unshare --pid --fork --mount-proc --ipc) running Apache (event MPM, Mutex sysvsem default,
# RewriteMap prg:, mod_ssl SSLSessionCache) as PID 1 (exec apache2 -DFOREGROUND), php-fpm and nginx beside it
# (both www-data). A child of Apache is kill -9'd mid-way. Judged from the host side (--ns PID, from a private
# IPC ns) and from inside. clean and clean --include-stale from both. Expected: no set of the running Apache
# is removed (arg: host = only the host-side cleans, inside = also clean --include-stale inside the container); Apache keeps serving TLS and rewrite requests, no mutex errors in its log.
cd "$(dirname "$0")"
MODE=${1:-host}; export MODE
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
. ./apachelib.sh
M=/usr/lib/apache2/modules; D=/tmp/ap-C1; rm -rf $D
mkap C1 18361 "" event
openssl req -x509 -newkey rsa:2048 -nodes -keyout $D/key.pem -out $D/cert.pem -days 2 -subj /CN=localhost 2>/dev/null
cat >> $D/httpd.conf <<C
LoadModule ssl_module $M/mod_ssl.so
LoadModule socache_shmcb_module $M/mod_socache_shmcb.so
SSLSessionCache shmcb:$D/sslcache(512000)
RewriteRule ^/r/(.*)\$ /\${lc:\$1} [PT]
Listen 127.0.0.1:18363
<VirtualHost 127.0.0.1:18363>
 SSLEngine on
 SSLCertificateFile $D/cert.pem
 SSLCertificateKeyFile $D/key.pem
</VirtualHost>
C
echo hi > $D/index.html; echo x > $D/foo
cat > $D/fpm.conf <<C
[global]
pid = $D/fpm.pid
error_log = $D/fpm.log
[www]
user = www-data
group = www-data
listen = 127.0.0.1:18365
pm = static
pm.max_children = 2
C
cat > $D/nginx.conf <<C
user www-data;
worker_processes 2;
pid $D/nginx.pid;
error_log $D/nginx.err;
events {}
http { access_log off; server { listen 127.0.0.1:18366; location / { return 200 "ok\n"; } } }
C
# the container: IPC ns of its own (nested in ours), PID ns, /proc of its own
unshare --ipc --pid --fork --mount-proc bash -c "
/usr/sbin/php-fpm8.2 -F -y $D/fpm.conf & /usr/sbin/nginx -c $D/nginx.conf &
exec /usr/sbin/apache2 -f $D/httpd.conf -DFOREGROUND" 2>$D/ctr.err &
CPID=$!; sleep 2.5
AP=$(pgrep -f -P $CPID "^/usr/sbin/apache2" | head -1); AP=${AP:-$(pgrep -f "apache2 -f $D/httpd.conf -DFOREGROUND" | head -1)}
echo "container launcher $CPID apache(host pid) $AP"
[ "$(readlink /proc/$AP/ns/ipc)" = "$(readlink /proc/self/ns/ipc)" ] && { echo "FAIL setup: same ipc ns"; exit 1; }
hit() { for i in 1 2 3; do curl -sk -m 3 -o /dev/null -w "%{http_code} " https://127.0.0.1:18363/foo; curl -s -m 3 -o /dev/null -w "%{http_code} " http://127.0.0.1:18361/r/foo; done; echo; }
echo -n "before: "; hit
nsenter -t $AP --ipc ipcs -s
# kill -9 one child of Apache
K=$(pgrep -x apache2 -P $AP | tr "\n" " "); echo "kill -9 children $K"; kill -9 $K; sleep ${SLEEP:-0.3}
$IPCSCOPE list --reasons --ns $AP
echo "--- host clean --ns"; $IPCSCOPE clean --ns $AP --audit-log $D/a1.jsonl; echo "rc=$?"
echo "--- host clean --ns --include-stale"; $IPCSCOPE clean --ns $AP --include-stale --audit-log $D/a2.jsonl; echo "rc=$?"
[ "$MODE" = inside ] && { echo "--- inside clean --include-stale"; nsenter -t $AP --ipc --pid --mount $IPCSCOPE clean --include-stale --audit-log /tmp/ap-C1/a3.jsonl; echo "rc=$?"; }
if [ "$MODE" = inspector ]; then
  T=c04_$$; tmux new-session -d -s $T -x 80 -y 24 "nsenter -t $AP --ipc --pid --mount $IPCSCOPE --audit-log /tmp/ap-C1/a4.jsonl"
  sleep 2.5; tmux capture-pane -p -t $T | head -14; tmux send-keys -t $T S; sleep 0.7; tmux send-keys -t $T x; sleep 0.8
  echo "--- after S x"; tmux capture-pane -p -t $T; tmux send-keys -t $T y; sleep 0.8
  echo "--- after y"; tmux capture-pane -p -t $T; tmux send-keys -t $T y; sleep 1.5
  echo "--- after y y"; tmux capture-pane -p -t $T; tmux send-keys -t $T q; sleep 0.5; tmux kill-session -t $T 2>/dev/null
fi
nsenter -t $AP --ipc ipcs -s
echo -n "after: "; R=$(hit); echo "$R"
sleep 0.5
grep -iE "AH00144|AH00146|mutex|AH0066|Identifier removed|emerg" $D/error.log | tail -5
BAD=0; grep -qiE "AH00144|AH00146|mutex|Identifier removed" $D/error.log && BAD=1
echo "$R" | grep -qvE "^(200 200 ){3}$" && { echo "requests after: $R"; BAD=1; }
cat $D/a1.jsonl $D/a2.jsonl $D/a3.jsonl $D/a4.jsonl 2>/dev/null | head -c 600; echo
kill $CPID 2>/dev/null; pkill -P $CPID 2>/dev/null; kill $AP 2>/dev/null; sleep 1
[ $BAD = 1 ] && echo "FAIL: a set of the running containerised Apache was removed" || echo PASS
'
