#!/bin/sh
# preremove (deb prerm, rpm %preun): on removal, not on upgrade, stop and
# disable the units so that no timer points at a missing binary.
# deb passes "remove" (or "upgrade" ...), rpm the number of versions left
# after the operation (0 = removal).
set -e
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now ipcscope-clean.timer ipcscope-metrics.service >/dev/null 2>&1 || true
		systemctl stop ipcscope-clean.service >/dev/null 2>&1 || true
	fi
	;;
esac
