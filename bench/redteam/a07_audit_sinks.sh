#!/bin/bash
# Attack: audit log on a full disk, a nearly full disk, /dev/full, a FIFO, a directory, a symlink to /dev/full,
# an unwritable file. Rule: nothing removed without a whole, durable record; every record a whole JSON line.
cd "$(dirname "$0")"
exec unshare --ipc --mount --propagation private bash -c '
/usr/bin/python3 -c "from semlib import *; private_ns_guard()" || exit 3
fail=0
nsets() { ipcs -s | grep -c "^0x"; }
check_lines() { /usr/bin/python3 -c "
import json,sys
n=0
for l in open(sys.argv[1],\"rb\").read().split(b\"\n\")[:-1]:
    json.loads(l); n+=1
data=open(sys.argv[1],\"rb\").read()
assert data==b\"\" or data.endswith(b\"\n\"), \"trailing partial line\"
print(n)" "$1"; }
mkdir -p /tmp/a07; mount -t tmpfs -o size=8k tmpfs /tmp/a07
try() { # name logpath
  ipcrm -a; /usr/bin/python3 mkorphans.py 20
  before=$(nsets)
  timeout 20 ${IPCSCOPE:?set IPCSCOPE to the ipcscope binary} clean --audit-log "$2" >/tmp/a07.out 2>&1; rc=$?
  after=$(nsets); removed=$((before-after))
  recs=$( [ -f "$2" ] && check_lines "$2" 2>&1 || echo 0)
  echo "[$1] rc=$rc removed=$removed records=$recs :: $(head -c 300 /tmp/a07.out | tr "\n" " ")"
  if [ $rc = 124 ]; then echo "  FAIL: hang"; fail=1; fi
  case "$recs" in *[!0-9]*) echo "  FAIL: log not whole JSON lines: $recs"; fail=1;; *) if [ $removed -gt $recs ]; then echo "  FAIL: $removed removed but only $recs records"; fail=1; fi;; esac
  if [ $removed -gt 0 ] && [ $rc != 0 ] && [ $removed = $before ]; then echo "  note: rc $rc though all removed"; fi
  if [ $removed -lt $before ] && [ $rc = 0 ]; then echo "  FAIL: exit 0 but $((before-removed)) orphans not removed"; fail=1; fi
}
# 1 full disk
dd if=/dev/zero of=/tmp/a07/fill bs=1k count=8 2>/dev/null; try full /tmp/a07/audit.jsonl; rm -f /tmp/a07/fill /tmp/a07/audit.jsonl
# 2 nearly full: ~3 KB free
dd if=/dev/zero of=/tmp/a07/fill bs=1k count=5 2>/dev/null; try nearlyfull /tmp/a07/audit.jsonl; rm -f /tmp/a07/fill /tmp/a07/audit.jsonl
# 3 /dev/full
try devfull /dev/full
# 4 fifo (nobody reads)
mkfifo /tmp/a07.fifo; try fifo /tmp/a07.fifo; rm -f /tmp/a07.fifo
# 5 directory
mkdir -p /tmp/a07.dir; try dir /tmp/a07.dir; rmdir /tmp/a07.dir
# 6 symlink to /dev/full
ln -sf /dev/full /tmp/a07.lnk; try symlink-devfull /tmp/a07.lnk; rm -f /tmp/a07.lnk
# 7 read-only file (chattr not available on tmpfs: use a ro bind mount)
mkdir -p /tmp/a07ro; touch /tmp/a07ro/audit.jsonl; mount --bind -o ro /tmp/a07ro /tmp/a07ro 2>/dev/null || mount -o remount,bind,ro /tmp/a07ro
try readonly /tmp/a07ro/audit.jsonl; umount /tmp/a07ro; rm -rf /tmp/a07ro
# 8 missing parent dir
try noparent /tmp/a07-nope/sub/audit.jsonl; rm -rf /tmp/a07-nope
ipcrm -a; umount /tmp/a07; rmdir /tmp/a07; rm -f /tmp/a07.out
[ $fail = 0 ] && echo PASS || echo FAIL'
