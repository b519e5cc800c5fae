#!/bin/sh
# Regenerates the README screenshots from the real program: ipcscope --demo
# renders its screens at a fixed size (hidden flag --dump-frames), and
# charmbracelet/freeze (installed into a temporary GOBIN, not go.mod; it
# works offline) turns each frame into a PNG. Run as root to show orphans:
#   sudo screenshots/make.sh
set -eu
cd "$(dirname "$0")/.."
size=${SIZE:-100x30}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp/bin" GOFLAGS=-mod=mod go install github.com/charmbracelet/freeze@v0.2.2
go build -o "$tmp/ipcscope" .
"$tmp/ipcscope" --demo --dump-frames "$tmp/frames" --dump-size "$size"
for f in main details confirm probes probe-details namespaces; do
	"$tmp/bin/freeze" -l ansi --window=false --padding 20 --background "#0d1117" \
		--font.size 14 -o "screenshots/$f.png" "$tmp/frames/$f.ans"
	echo "screenshots/$f.png"
done
