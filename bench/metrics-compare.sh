#!/usr/bin/env bash
# Figures for `ipcscope metrics`, in one run:
#  1. a host with N leaked one-semaphore sets spread over K private IPC
#     namespaces (default 32,000 over 4), each held open by a sleeping
#     process, standing in for containers; the host's own namespace gets
#     no set. `ipcscope metrics --ns PID` is timed against `lsipc -g` in the
#     same namespace (entered with nsenter), and `ipcscope metrics` (every
#     namespace) against lsipc -g run once per namespace.
#  2. the scrape endpoint (--listen on 127.0.0.1, --min-interval 2s) under
#     50 concurrent scrapers for D seconds: scrapes served, scans run (from
#     ipcscope_scans_total), and the server's RSS sampled every second.
# Everything is torn down at exit (killing the holders frees their sets).
#   sudo bash bench/metrics-compare.sh [N] [K] [D]
set -euo pipefail
N=${1:-32000}; K=${2:-4}; D=${3:-20}
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "metrics-compare: needs root (it joins other IPC namespaces)" >&2; exit 2; }
out=$(mktemp -d)
holders=(); server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	for p in "${holders[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT
CGO_ENABLED=0 go build -o "$out/ipcscope" .
CGO_ENABLED=0 go build -o "$out/ipcbench" ./bench/ipcbench
per=$((N / K))

echo "kernel $(uname -r), $(nproc) cores, $("$out/ipcscope" --version)"
for i in $(seq 1 "$K"); do
	IPCBENCH_PRIVATE_NS=1 unshare --ipc bash -c "'$out/ipcbench' populate $per && touch '$out/ready.$i' && exec sleep 1d" &
	holders+=($!)
done
for i in $(seq 1 "$K"); do
	while [ ! -e "$out/ready.$i" ]; do
		kill -0 "${holders[$((i - 1))]}" 2>/dev/null || { echo "holder $i failed" >&2; exit 1; }
		sleep 0.1
	done
done
first=${holders[0]}
echo "$K private namespaces x $per sets; first holder PID $first, ns $(readlink /proc/$first/ns/ipc)"
echo "SEMMNI used there, says lsipc -g: $(nsenter --ipc=/proc/$first/ns/ipc lsipc -g --noheadings -o RESOURCE,USED | awk '$1 == "SEMMNI" {print $2}')"
echo
echo "name                                   median_s maxrss_KiB"
b=$out/ipcbench
"$b" -name "lsipc -g (one ns, via nsenter)"   run nsenter --ipc=/proc/$first/ns/ipc lsipc -g | tee -a "$out/r"
"$b" -name "ipcscope metrics --ns (one ns)"   run "$out/ipcscope" metrics --ns "$first" | tee -a "$out/r"
"$b" -name "lsipc -s (one ns, via nsenter)"   run nsenter --ipc=/proc/$first/ns/ipc lsipc -s | tee -a "$out/r"
all=$(printf 'for p in %s; do nsenter --ipc=/proc/$p/ns/ipc lsipc -g >/dev/null; done' "${holders[*]}")
"$b" -name "lsipc -g (all $K ns, one by one)" run bash -c "$all" | tee -a "$out/r"
"$b" -name "ipcscope metrics (all namespaces)" run "$out/ipcscope" metrics | tee -a "$out/r"
"$out/ipcscope" metrics --ns "$first" >"$out/one.prom"
grep -E '^ipcscope_sem_sets(_limit)?\{' "$out/one.prom" | grep -v ' 0$' | sed 's/^/  metrics --ns says: /'
python3 - "$out/r" <<'PY'
import sys
t = {}
for line in open(sys.argv[1]):
    name, med, rss = line.rsplit(None, 2)
    t[name.strip()] = (float(med), int(rss))
one = t["ipcscope metrics --ns (one ns)"][0]
print(f"metrics --ns / lsipc -g (same ns)      : {one / t['lsipc -g (one ns, via nsenter)'][0]:.2f}")
print(f"metrics --ns / lsipc -s (same ns)      : {one / t['lsipc -s (one ns, via nsenter)'][0]:.2f}")
k = [v for n, v in t.items() if n.startswith('lsipc -g (all')][0][0]
print(f"metrics (all) / lsipc -g over all ns   : {t['ipcscope metrics (all namespaces)'][0] / k:.2f}")
PY

echo
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$out/ipcscope" metrics --listen "127.0.0.1:$port" --min-interval 2s 2>"$out/server.log" &
server=$!
url=http://127.0.0.1:$port/metrics
for _ in $(seq 50); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
scans() { curl -sf "$url" | awk '/^ipcscope_scans_total/ {print $2}'; }
s0=$(scans); r0=$(rss)
end=$((SECONDS + D))
for w in $(seq 50); do
	( while [ $SECONDS -lt $end ]; do curl -s -o /dev/null -w '%{http_code}\n' "$url"; done >"$out/codes.$w" ) &
done
samples=()
while [ $SECONDS -lt $end ]; do samples+=("$(rss)"); sleep 1; done
wait $(jobs -p | grep -v "^$server\$" | grep -v -E "^($(IFS='|'; echo "${holders[*]}"))\$") 2>/dev/null || true
s1=$(scans); r1=$(rss)
total=$(cat "$out"/codes.* | wc -l); ok=$(cat "$out"/codes.* | grep -c '^200$' || true)
min=$(printf '%s\n' "${samples[@]}" | sort -n | head -1); max=$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)
echo "scrape endpoint, 50 concurrent scrapers for ${D}s (min interval 2s, $N sets in $K+ namespaces):"
echo "  scrapes: $total ($ok with 200), $((total / D))/s"
echo "  scans:   $((s1 - s0)) (bound: ceil(${D}/2)+1 = $(((D + 1) / 2 + 1)))"
echo "  RSS KiB: before $r0, during min $min max $max, after $r1"
