#!/bin/bash
# Race: real apache2 (MPM arg: prefork|event; Mutex sysvsem default, RewriteMap prg:, mod_ssl SSLSessionCache) under  (args: MPM N ACTION=graceful|restart)
# request load, "apache2 -k graceful" every ~0.3 s while "ipcscope clean --include-stale" runs in a loop (and the
# inspector path is not used here). Baseline run first (graceful + load, no ipcscope) to count Apache's own errors.
# Expected: no mutex errors beyond baseline, Apache still runs; every audited removal is of a set Apache no longer has.
MPM=${1:-prefork}; N=${2:-25}; ACT=${3:-graceful}; export MPM N ACT
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
. ./apachelib.sh
M=/usr/lib/apache2/modules; D=/tmp/ap-G3; rm -rf $D
mkap G3 18461 "" $MPM
openssl req -x509 -newkey rsa:2048 -nodes -keyout $D/key.pem -out $D/cert.pem -days 2 -subj /CN=localhost 2>/dev/null
cat >> $D/httpd.conf <<C
LoadModule ssl_module $M/mod_ssl.so
LoadModule socache_shmcb_module $M/mod_socache_shmcb.so
SSLSessionCache shmcb:$D/sslcache(512000)
RewriteRule ^/r/(.*)\$ /\${lc:\$1} [PT]
Listen 127.0.0.1:18463
<VirtualHost 127.0.0.1:18463>
 SSLEngine on
 SSLCertificateFile $D/cert.pem
 SSLCertificateKeyFile $D/key.pem
</VirtualHost>
C
echo x > $D/foo
load() { while [ -e $D/run ]; do curl -sk -m 2 -o /dev/null -w "%{http_code}\n" https://127.0.0.1:18463/r/foo >> $D/codes; curl -s -m 2 -o /dev/null -w "%{http_code}\n" http://127.0.0.1:18461/r/foo >> $D/codes; done; }
phase() { # $1 = with ipcscope?
  : > $D/error.log; : > $D/codes
  /usr/sbin/apache2 -f $D/httpd.conf -k start; sleep 1.5
  touch $D/run; load & L=$!
  if [ $1 = 1 ]; then ( while [ -e $D/run ]; do $IPCSCOPE clean --include-stale --audit-log $D/audit.jsonl >> $D/clean.out 2>&1; echo "rc=$?" >> $D/clean.out; done ) & C=$!; fi
  for i in $(seq $N); do /usr/sbin/apache2 -f $D/httpd.conf -k $ACT; sleep 0.$((RANDOM%5+1)); done
  sleep 1; rm -f $D/run; wait $L; [ $1 = 1 ] && wait $C
  ALIVE=$(pgrep -f "apache2 -f $D/httpd.conf" | wc -l)
  E=$(grep -ciE "AH00144|AH00146|AH00659|AH00660|mutex|Identifier removed|Invalid argument" $D/error.log)
  BADC=$(grep -vc "^200$" $D/codes); TOT=$(wc -l < $D/codes)
  echo "phase ipcscope=$1: apache procs=$ALIVE mutex-errors=$E non-200=$BADC/$TOT"
  grep -iE "AH00144|AH00146|AH00659|mutex|Identifier removed|Invalid argument" $D/error.log | head -3
  /usr/sbin/apache2 -f $D/httpd.conf -k stop; sleep 1.5; ipcrm --all=sem 2>/dev/null
}
phase 0; BASE=$E; BASEC=$BADC
phase 1
echo "clean runs: $(grep -c ^rc= $D/clean.out), removals: $(grep -c "^removed" $D/clean.out), cancelled: $(grep -c "\"remove-cancelled\"" $D/audit.jsonl 2>/dev/null)"
grep "^removed" $D/clean.out | sort | uniq -c | head -5
grep -A3 "^removed" $D/clean.out | head -12
[ $ALIVE -ge 1 ] && [ $E -le $BASE ] && [ $(grep -c "^removed" $D/clean.out) = 0 ] && echo PASS || echo "FAIL: clean removed sets during graceful restarts (errors $E vs baseline $BASE, apache procs $ALIVE)"
'
