#!/bin/bash
# Runs every round-3 case; each makes its objects only inside its own "unshare --ipc".
cd "$(dirname "$0")"
for c in "c01_container_apache_ns.sh host" "c02_inside_container_include_stale.sh" "c03_graceful_during_clean.sh prefork 20 graceful" \
         "c03_graceful_during_clean.sh event 20 graceful" "c03_graceful_during_clean.sh prefork 15 restart" "c03_graceful_during_clean.sh event 15 restart" \
         "c04_inside_container_inspector.sh" "c05_strays_include_stale.sh"; do
  r=$(SLEEP=${SLEEP:-2} timeout 150 ./$c 2>&1 | tail -1); printf "%-55s %s\n" "$c" "$r"
done
