#!/bin/bash
# Runs every round-2 case (each makes its objects only in a private IPC namespace). ~3 minutes.
cd "$(dirname "$0")"; export IPCSCOPE=${IPCSCOPE:-${IPCSCOPE:?set IPCSCOPE to the ipcscope binary}}
[ -x qwait ] || gcc -O1 -pthread -o qwait qwait.c; [ -x shmz ] || gcc -O1 -pthread -o shmz shmz.c
for c in "q01_waiter_modes.sh main" "q01_waiter_modes.sh thread" "q01_waiter_modes.sh thread-exitmain" "q01_waiter_modes.sh int80" \
         q02_thread_waiter_include_stale.sh q03_race_send_before_rmid.sh q04_stopped_waiter.sh q06_waiter_other_ns.sh \
         q07_unit_caps_waiter.sh q08_blocked_sender_thread_discard.sh s01_freed_memory_claims.sh s02_zombie_leader_segment.sh x01_id_across_kinds.sh \
         "ap01_slow_passphrase.sh 40" "ap02_two_instances_undated.sh 3" "ap03_renamed_plus_distro_apache.sh 35"; do
  printf '%-45s ' "$c"; timeout 150 ./$c 2>&1 | grep -E '^(PASS|FAIL|CHECK)' | tail -1
done
