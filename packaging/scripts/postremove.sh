#!/bin/sh
# postremove (deb postrm, rpm %postun): systemd forgets the units; on a
# Debian purge the audit logs go too, as Debian policy has it for logs
# (rpm -e keeps them, as RPM packages do).
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "$1" = purge ]; then
	rm -rf /var/log/ipcscope
fi
