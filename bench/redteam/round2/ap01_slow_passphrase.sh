#!/bin/bash
# Apache (-k start, Mutex sysvsem default, mod_ssl + shmcb session cache) whose key is encrypted and whose
# SSLPassPhraseDialog exec: helper takes DELAY seconds (a vault/HSM fetch, or a human typing at the console).
# mod_ssl makes its ssl-cache mutex (process pool) in the launcher BEFORE it asks for the pass phrase, so the
# set is DELAY s older than the daemon. The running instance uses it for every session-cache access.
DELAY=${1:-40}
cd "$(dirname "$0")"
exec unshare --ipc env DELAY=$DELAY MCPC=${MCPC:-1} NOREQ=$NOREQ bash -c '
[ "$(readlink /proc/self/ns/ipc)" = "ipc:[4026531839]" ] && { echo REFUSING; exit 3; }
IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
. ./apachelib.sh
M=/usr/lib/apache2/modules; D=/tmp/ap-PP
mkap PP 18251 18252 prefork
openssl req -x509 -newkey rsa:2048 -passout pass:secret -keyout $D/key.pem -out $D/cert.pem -days 2 -subj /CN=localhost 2>/dev/null
printf "#!/bin/sh\nsleep $DELAY\necho secret\n" > $D/pp.sh; chmod 755 $D/pp.sh
cat >> $D/httpd.conf <<C
LoadModule ssl_module $M/mod_ssl.so
LoadModule socache_shmcb_module $M/mod_socache_shmcb.so
SSLSessionCache shmcb:$D/sslcache(512000)
SSLPassPhraseDialog exec:$D/pp.sh
MaxConnectionsPerChild ${MCPC:-1}
Listen 127.0.0.1:18253
<VirtualHost 127.0.0.1:18253>
 SSLEngine on
 SSLCertificateFile $D/cert.pem
 SSLCertificateKeyFile $D/key.pem
</VirtualHost>
C
/usr/sbin/apache2 -f $D/httpd.conf -k start; echo "apache2 -k start rc=$?"; sleep 1.5
[ -n "$NOREQ" ] || for i in 1 2 3; do curl -sk -o /dev/null -w "TLS before: %{http_code}\n" https://127.0.0.1:18253/; done
sleep 1; ipcs -s -t | tail -n +4; ps -o pid,lstart,args -p $(cat $D/pid)
$IPCSCOPE list --reasons | head -30
$IPCSCOPE clean --audit-log /tmp/ap01.audit | tail -3; echo "clean rc=${PIPESTATUS[0]}"
for i in 1 2 3 4 5; do curl -sk -o /dev/null -w "TLS after clean: %{http_code}\n" https://127.0.0.1:18253/; done
sleep 0.5; /usr/sbin/apache2 -f $D/httpd.conf -k stop; sleep 1
grep -iE "mutex|lock|AH0202|AH0014|Invalid argument|removed" $D/error.log | tail -5
if grep -qiE "ssl-cache|session cache|mutex.*(fail|invalid)|Invalid argument|Identifier removed" $D/error.log; then echo "FAIL: clean removed the running Apache ssl-cache mutex"; else echo PASS; fi
rm -rf $D /tmp/ap01.audit'
