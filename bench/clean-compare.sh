#!/usr/bin/env bash
# Side-by-side: ipcscope clean of N leaked sets (each checked, recorded in
# a durable audit log, checked again and removed) against a blind
# `ipcrm --all=sem`, which removes everything unchecked and unrecorded, on
# the same sets made anew before every run, in a private IPC namespace
# (the host's sets are never touched). Prints medians and the ratio.
#   bash bench/clean-compare.sh [N]     (default 32000; needs root for
#                                        sets owned by another user)
set -euo pipefail
N=${1:-32000}
cd "$(dirname "$0")/.."
. bench/lib.sh

# The leaked sets are shaped like Apache's (owned by www-data, made by
# root): APACHE_RUN_USER says whose they are on a machine without Apache.
APACHE_RUN_USER=www-data IPCBENCH_PRIVATE_NS=1 unshare "${unshare_args[@]}" bash -s "$N" "$out" <<'INNER'
set -euo pipefail
N=$1; out=$2
echo "kernel $(uname -r), $(nproc) cores, $("$out/ipcscope" --version), $N leaked sets per run"
echo
echo "name                         median_s maxrss_KiB"
"$out/ipcbench" -runs 5 -name "ipcrm --all=sem"        fresh "$N" ipcrm --all=sem | tee -a "$out/r"
"$out/ipcbench" -runs 5 -name "ipcscope clean"         fresh "$N" "$out/ipcscope" clean --json --audit-log "$out/audit.jsonl" | tee -a "$out/r"
lines=$(wc -l < "$out/audit.jsonl")
echo "audit records written: $lines (want $((5 * N)))"
python3 - "$out/r" <<'PY'
import sys
t = {}
for line in open(sys.argv[1]):
    parts = line.rsplit(None, 2)
    t[parts[0].strip()] = (float(parts[1]), int(parts[2]))
c = t["ipcscope clean"][0]
print(f"ipcscope clean / ipcrm --all=sem : {c / t['ipcrm --all=sem'][0]:.0f}x  (target <= 30x)")
print(f"ipcscope clean max RSS           : {t['ipcscope clean'][1] / 1024:.1f} MiB")
PY
INNER
