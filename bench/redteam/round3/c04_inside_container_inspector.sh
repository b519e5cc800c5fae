#!/bin/bash
# Attack: as c02, but through the inspector run inside the container (tmux 80x24): S marks the stale sets, x, y, y.
exec "$(dirname "$0")/c01_container_apache_ns.sh" inspector
