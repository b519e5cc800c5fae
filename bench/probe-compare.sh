#!/usr/bin/env bash
# Side-by-side timing of `ipcscope probe` against the openssl s_client +
# curl commands an admin would run for the same TLS checks:
#   SNI certificate + ALPN + verification, no-SNI certificate, an h2 request
#   (HSTS), no SNI + Host (421?), SNI of the default vhost + Host (421?).
# 1) one target: every command once per round, median of $ROUNDS rounds;
# 2) $N targets: the tools one target after another vs one ipcscope run.
# Targets are Go test servers on 127.0.0.1 (bench/probetargets).
# Usage: bench/probe-compare.sh   (env: N=50 ROUNDS=5)
set -euo pipefail
N=${N:-50}
ROUNDS=${ROUNDS:-5}
cd "$(dirname "$0")/.."
for t in go openssl curl; do
	command -v "$t" >/dev/null || { echo "probe-compare: $t not found" >&2; exit 2; }
done
tmp=$(mktemp -d)
pid=
cleanup() {
	exec 3>&- 2>/dev/null || true
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/ipcscope" .
go build -o "$tmp/probetargets" ./bench/probetargets
mkfifo "$tmp/hold"
"$tmp/probetargets" -dir "$tmp" -n "$N" <"$tmp/hold" >"$tmp/ready" &
pid=$!
exec 3>"$tmp/hold" # stdin of probetargets stays open until cleanup
for _ in $(seq 100); do grep -q ready "$tmp/ready" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$tmp/ready" || { echo "probe-compare: targets did not start" >&2; exit 1; }
CA=$tmp/ca.pem

now() { date +%s%N; }

# tools NAME PORT DEFAULT: the equivalent openssl + curl checks for one target.
tools() {
	local name=$1 port=$2 def=$3
	openssl s_client -connect "127.0.0.1:$port" -servername "$name" -alpn h2,http/1.1 \
		-CAfile "$CA" -verify_hostname "$name" -verify_return_error </dev/null 2>/dev/null |
		openssl x509 -noout -subject -issuer -enddate -ext subjectAltName >/dev/null
	openssl s_client -connect "127.0.0.1:$port" -noservername -alpn h2,http/1.1 </dev/null 2>/dev/null |
		openssl x509 -noout -subject -fingerprint -sha256 -ext subjectAltName >/dev/null
	curl -sS -I --http2 --cacert "$CA" --resolve "$name:$port:127.0.0.1" "https://$name:$port/" \
		-o /dev/null -w '%{http_version} %{response_code}\n' >/dev/null
	curl -sS -k -I -H "Host: $name" "https://127.0.0.1:$port/" -o /dev/null -w '%{response_code}\n' >/dev/null
	curl -sS -k -I --resolve "$def:$port:127.0.0.1" -H "Host: $name" "https://$def:$port/" \
		-o /dev/null -w '%{response_code}\n' >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.1f", ns/1e6}'; }

read -r name port def <"$tmp/plain.txt"
one=$(head -1 "$tmp/targets.txt")
: >"$tmp/t_tools"; : >"$tmp/t_ipc"
for _ in $(seq "$ROUNDS"); do
	s=$(now); tools "$name" "$port" "$def"; e=$(now); echo $((e - s)) >>"$tmp/t_tools"
	s=$(now); "$tmp/ipcscope" probe "$one" --ca "$CA" --json >/dev/null; e=$(now); echo $((e - s)) >>"$tmp/t_ipc"
done
t1_tools=$(median <"$tmp/t_tools"); t1_ipc=$(median <"$tmp/t_ipc")

s=$(now)
while read -r name port def; do tools "$name" "$port" "$def"; done <"$tmp/plain.txt"
e=$(now); tn_tools=$((e - s))
s=$(now)
"$tmp/ipcscope" probe --hosts-file "$tmp/targets.txt" --ca "$CA" --parallel 16 --json >"$tmp/out.json"
e=$(now); tn_ipc=$((e - s))
python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["ok"] else 1)' "$tmp/out.json" || { echo "probe-compare: ipcscope reported failures" >&2; exit 1; }

printf '%-34s %12s %12s %8s\n' "case" "openssl+curl" "ipcscope" "ratio"
printf '%-34s %10sms %10sms %7sx\n' "1 target (median of $ROUNDS)" "$(ms "$t1_tools")" "$(ms "$t1_ipc")" \
	"$(awk -v a="$t1_tools" -v b="$t1_ipc" 'BEGIN {printf "%.1f", a/b}')"
printf '%-34s %10sms %10sms %7sx\n' "$N targets (tools sequential)" "$(ms "$tn_tools")" "$(ms "$tn_ipc")" \
	"$(awk -v a="$tn_tools" -v b="$tn_ipc" 'BEGIN {printf "%.1f", a/b}')"
echo "($(nproc) CPUs; openssl+curl = 2 s_client|x509 + 3 curl per target; ipcscope = 1 process, all checks)"
