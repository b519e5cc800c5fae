#!/bin/bash
# metrics --output FILE where FILE is a symlink (textfile-collector dirs are often group-writable):
# does root follow it and clobber the target? Also: is the write atomic (temp + rename)?
cd "$(dirname "$0")"
exec unshare --ipc bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
mkdir -p /tmp/a26; echo "precious data" > /tmp/a26/victim
ln -sf /tmp/a26/victim /tmp/a26/ipcscope.prom
${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} metrics --output /tmp/a26/ipcscope.prom; echo "rc=$?"
ls -la /tmp/a26; head -c 100 /tmp/a26/victim; echo
if grep -q "precious data" /tmp/a26/victim; then echo PASS; else echo "FAIL: followed the symlink and overwrote its target"; fi
strace -f -e trace=openat,rename,renameat,renameat2 ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} metrics --output /tmp/a26/x.prom 2>&1 | grep a26
rm -rf /tmp/a26'
