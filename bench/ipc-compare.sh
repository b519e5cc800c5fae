#!/usr/bin/env bash
# Side-by-side: ipcscope's scan of 32,000 leaked one-semaphore sets against
# ipcs -s and lsipc -s on the same sets, in one run, in a private IPC
# namespace (the host's sets are never touched). Prints medians and ratios.
#   bash bench/ipc-compare.sh [N]
set -euo pipefail
N=${1:-32000}
cd "$(dirname "$0")/.."
. bench/lib.sh

APACHE_RUN_USER=www-data IPCBENCH_PRIVATE_NS=1 unshare "${unshare_args[@]}" bash -s "$N" "$out" <<'INNER'
set -euo pipefail
N=$1; out=$2
echo "kernel $(uname -r), $(nproc) cores, $("$out/ipcscope" --version)"
"$out/ipcbench" populate "$N"
echo "sets in the private namespace: $(tail -n +2 /proc/sysvipc/sem | wc -l)"
echo
echo "name                         median_s maxrss_KiB"
"$out/ipcbench" -name "ipcs -s"              run ipcs -s            | tee -a "$out/r"
"$out/ipcbench" -name "lsipc -s"             run lsipc -s           | tee -a "$out/r"
"$out/ipcbench" -name "ipcscope list --json" run "$out/ipcscope" list --json | tee -a "$out/r"
"$out/ipcbench" -name "ipcscope list"        run "$out/ipcscope" list  | tee -a "$out/r"
"$out/ipcbench" -name "floor (in-process)"   floor                 | tee -a "$out/r"
"$out/ipcbench" -name "ipc.Scan (in-process)" scan                 | tee -a "$out/r"
echo
awk '
  { sub(/ +[0-9.]+ [0-9]+$/, "", $0) }
' /dev/null
python3 - "$out/r" <<'PY'
import sys
t = {}
for line in open(sys.argv[1]):
    parts = line.rsplit(None, 2)
    t[parts[0].strip()] = (float(parts[1]), int(parts[2]))
j = t["ipcscope list --json"][0]
print(f"ipcscope list --json / lsipc -s : {j / t['lsipc -s'][0]:.2f}  (target <= 0.5)")
print(f"ipcscope list --json / ipcs -s  : {j / t['ipcs -s'][0]:.2f}")
print(f"ipc.Scan / floor                : {t['ipc.Scan (in-process)'][0] / t['floor (in-process)'][0]:.2f}  (target <= 2)")
print(f"ipcscope list --json max RSS    : {t['ipcscope list --json'][1] / 1024:.1f} MiB  (target < 50)")
PY
INNER
