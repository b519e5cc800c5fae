#!/bin/bash
# Attack: a real Debian apache2 with mod_ssl + SSLSessionCache and "Mutex sysvsem default".
# mod_ssl makes its ssl-cache mutex in the process pool (s->process->pool), before detaching, so it is
# NOT remade at a graceful restart. After a graceful restart the README's rule "older than the running
# instance's burst => belongs to an instance that is gone" calls it orphan. clean removes it while the
# running Apache uses it for every TLS session-cache access.
GAP=${1:-12}
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
cd "$REDTEAM_DIR"; . ./apachelib.sh
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
M=/usr/lib/apache2/modules; D=/tmp/ap-S
mkap S 18151 18152 prefork
openssl req -x509 -newkey rsa:2048 -nodes -keyout $D/key.pem -out $D/cert.pem -days 2 -subj /CN=localhost 2>/dev/null
cat >> $D/httpd.conf <<C
LoadModule ssl_module $M/mod_ssl.so
LoadModule socache_shmcb_module $M/mod_socache_shmcb.so
SSLSessionCache shmcb:$D/sslcache(512000)
Listen 127.0.0.1:18153
<VirtualHost 127.0.0.1:18153>
 SSLEngine on
 SSLCertificateFile $D/cert.pem
 SSLCertificateKeyFile $D/key.pem
</VirtualHost>
C
/usr/sbin/apache2 -f $D/httpd.conf -k start 2>/dev/null; sleep 1
for i in 1 2 3; do curl -sk -o /dev/null https://127.0.0.1:18153/; done
sleep '$GAP'; /usr/sbin/apache2 -f $D/httpd.conf -k graceful 2>/dev/null; sleep 2
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} list --reasons
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log /tmp/a16.audit; echo "clean rc=$?"
: > $D/error.log.mark; sleep 0.2
for i in 1 2 3 4 5; do curl -sk -o /dev/null -w "TLS after clean: %{http_code}\n" https://127.0.0.1:18153/; done
sleep 0.5
/usr/sbin/apache2 -f $D/httpd.conf -k stop 2>/dev/null; sleep 1
grep -iE "mutex|lock|AH0202|AH0014|Invalid argument" $D/error.log | tail -5
if grep -qiE "ssl-cache|session cache|mutex.*(fail|invalid)|Invalid argument" $D/error.log; then echo "FAIL: clean removed the running Apache ssl-cache mutex"; else echo PASS; fi
rm -rf $D /tmp/a16.audit'
