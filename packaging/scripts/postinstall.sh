#!/bin/sh
# postinstall (deb postinst "configure", rpm %post): the audit log's
# directory is root's only (the package's own entry sets the same mode; an
# upgrade from a version without it gets it here), and systemd learns of
# the new units. Nothing is enabled or started: the timer and the metrics
# service are opt-in (systemctl enable --now ipcscope-clean.timer).
set -e
mkdir -p /var/log/ipcscope
chown root:root /var/log/ipcscope
chmod 0750 /var/log/ipcscope
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
