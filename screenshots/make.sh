#!/bin/sh
# Regenerates the README screenshots from the real program: ipcscope --demo
# renders its screens at a fixed size (hidden flag --dump-frames),
# charmbracelet/freeze (installed into a temporary GOBIN, not go.mod)
# turns each frame into an SVG, and rsvg-convert (Debian's librsvg2-bin,
# with fonts-dejavu-core for the monospace font) into a PNG. freeze's own
# PNG writer faults on this project's VMs (fatal error: fault, built with
# Go 1.24 and 1.26 alike), its SVG writer does not. Run as root to show
# orphans:
#   sudo screenshots/make.sh
set -eu
cd "$(dirname "$0")/.."
size=${SIZE:-100x30}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v rsvg-convert >/dev/null || { echo "make.sh: needs rsvg-convert (apt-get install librsvg2-bin fonts-dejavu-core)" >&2; exit 1; }
GOBIN="$tmp/bin" GOFLAGS=-mod=mod go install github.com/charmbracelet/freeze@v0.2.2
go build -o "$tmp/ipcscope" .
"$tmp/ipcscope" --demo --dump-frames "$tmp/frames" --dump-size "$size"
for f in main details confirm probes probe-details namespaces; do
	"$tmp/bin/freeze" -l ansi --window=false --padding 20 --background "#0d1117" \
		--font.family "DejaVu Sans Mono" --font.size 14 -o "$tmp/$f.svg" "$tmp/frames/$f.ans" >/dev/null
	rsvg-convert -o "screenshots/$f.png" "$tmp/$f.svg"
	echo "screenshots/$f.png"
done
