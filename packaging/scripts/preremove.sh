#!/bin/sh
# preremove (deb prerm, rpm %preun): on removal, not on upgrade, disable
# the units (and stop them, when systemd runs) so that no enabled timer
# points at a missing binary. deb passes "remove" (or "upgrade" ...), rpm
# the number of versions left after the operation (0 = removal).
set -e
case "$1" in
remove | 0)
	if command -v systemctl >/dev/null 2>&1; then
		if [ -d /run/systemd/system ]; then
			systemctl disable --now ipcscope-clean.timer ipcscope-metrics.service >/dev/null 2>&1 || true
			systemctl stop ipcscope-clean.service >/dev/null 2>&1 || true
		else
			systemctl disable ipcscope-clean.timer ipcscope-metrics.service >/dev/null 2>&1 || true
		fi
	fi
	;;
esac
