#!/bin/bash
# Attack: same container as c01 (Apache as the container's PID 1, event MPM, sysvsem mutexes for rewrite-map and
# ssl-cache, php-fpm + nginx beside). All of Apache's children are kill -9'd (the parent respawns them at once);
# then "ipcscope clean --include-stale" is run INSIDE the container (its PID, mount and IPC namespaces). From the host
# the sets are apache-instance (live); inside, the visible running Apache parent is ignored and the sets become
# stale (pids-not-visible), so --include-stale removes them while Apache runs -> AH00659 on every RewriteMap lookup.
exec "$(dirname "$0")/c01_container_apache_ns.sh" inside
