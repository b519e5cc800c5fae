#!/usr/bin/env bash
# Side-by-side: `ipcscope list --all --json` with N leaked semaphore sets,
# N shared memory segments and N message queues, against lsipc -m, lsipc -q
# and ipcs -a on the same objects, in one run, in a private IPC namespace
# (the host's objects are never touched). Target (issue 12): at most half
# the time of lsipc -m and lsipc -q together.
#   bash bench/objects-compare.sh [N]
set -euo pipefail
N=${1:-32000}
cd "$(dirname "$0")/.."
. bench/lib.sh
CGO_ENABLED=0 go build -o "$out/objbench" ./bench/objbench

APACHE_RUN_USER=www-data IPCBENCH_PRIVATE_NS=1 unshare "${unshare_args[@]}" bash -s "$N" "$out" <<'INNER'
set -euo pipefail
N=$1; out=$2
echo "kernel $(uname -r), $(nproc) cores, $("$out/ipcscope" --version)"
echo $((N + 16)) > /proc/sys/kernel/shmmni
"$out/ipcbench" populate "$N"
"$out/objbench" populate "$N"
echo "in the private namespace: $(tail -n +2 /proc/sysvipc/sem | wc -l) sets, $(tail -n +2 /proc/sysvipc/shm | wc -l) segments, $(tail -n +2 /proc/sysvipc/msg | wc -l) queues"
echo
echo "name                         median_s maxrss_KiB"
"$out/ipcbench" -name "lsipc -m"                   run lsipc -m | tee -a "$out/r"
"$out/ipcbench" -name "lsipc -q"                   run lsipc -q | tee -a "$out/r"
"$out/ipcbench" -name "ipcs -a"                    run ipcs -a  | tee -a "$out/r"
"$out/ipcbench" -name "ipcscope list --all --json" run "$out/ipcscope" list --all --json | tee -a "$out/r"
"$out/ipcbench" -name "ipcscope list --shm --json" run "$out/ipcscope" list --shm --json | tee -a "$out/r"
"$out/ipcbench" -name "ipcscope list --msg --json" run "$out/ipcscope" list --msg --json | tee -a "$out/r"
"$out/ipcbench" -name "ipcscope list --json (sets)" run "$out/ipcscope" list --json | tee -a "$out/r"
echo
python3 - "$out/r" <<'PY'
import sys
t = {}
for line in open(sys.argv[1]):
    parts = line.rsplit(None, 2)
    t[parts[0].strip()] = (float(parts[1]), int(parts[2]))
a = t["ipcscope list --all --json"][0]
l = t["lsipc -m"][0] + t["lsipc -q"][0]
print(f"ipcscope list --all --json / (lsipc -m + lsipc -q) : {a / l:.2f}  (target <= 0.5)")
print(f"ipcscope list --all --json / ipcs -a              : {a / t['ipcs -a'][0]:.2f}")
print(f"ipcscope list --all --json max RSS                : {t['ipcscope list --all --json'][1] / 1024:.1f} MiB")
print(f"ipcscope list --shm --json / lsipc -m              : {t['ipcscope list --shm --json'][0] / t['lsipc -m'][0]:.2f}")
print(f"ipcscope list --msg --json / lsipc -q              : {t['ipcscope list --msg --json'][0] / t['lsipc -q'][0]:.2f}")
PY
INNER
