#!/bin/bash
# exploratory: which Apache module makes a set in the launcher (pre-detach) process -> mod_ssl with SSLSessionCache. Run: unshare --ipc bash x_apache_module_bisect.sh
cd "$REDTEAM_DIR"; . ./apachelib.sh
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
M=/usr/lib/apache2/modules
L() { echo "LoadModule $1_module $M/mod_$1.so"; }
for set in "auth_digest" "authn_core authn_socache socache_shmcb" "slotmem_shm" "proxy proxy_balancer slotmem_shm lbmethod_byrequests" "proxy proxy_hcheck proxy_http" "ssl socache_shmcb" "cache cache_socache socache_shmcb" "heartmonitor slotmem_shm" "ssl md"; do
ipcrm -a; mkap Z 18141 18142 prefork
for m in $set; do L $m >> /tmp/ap-Z/httpd.conf; done
case "$set" in *hcheck*) printf '<Proxy balancer://bal>\n BalancerMember http://127.0.0.1:18199 hcmethod=GET hcinterval=1\n</Proxy>\n' >> /tmp/ap-Z/httpd.conf;; esac
case "$set" in "ssl socache_shmcb") echo "SSLSessionCache shmcb:/tmp/ap-Z/sslcache(512000)" >> /tmp/ap-Z/httpd.conf;; esac
case "$set" in cache*) echo "CacheSocache shmcb" >> /tmp/ap-Z/httpd.conf;; esac
/usr/sbin/apache2 -f /tmp/ap-Z/httpd.conf -k start 2>/dev/null; sleep 1.2
D=$(pgrep -o -f ap-Z/httpd.conf)
echo "[$set] daemon $D: $(ipcs -s | grep -c ^0x) sets; sempids: $(for i in $(ipcs -s | awk '/^0x/{print $2}'); do ipcs -s -i $i | awk '/^0 /{print $NF}'; done | tr '\n' ' ')"
/usr/sbin/apache2 -f /tmp/ap-Z/httpd.conf -k stop 2>/dev/null; sleep 0.8
done
