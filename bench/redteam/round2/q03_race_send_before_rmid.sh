#!/bin/bash
cd "$(dirname "$0")"; exec unshare --ipc /usr/bin/python3 q03_race_send_before_rmid.py "${1:-3000}"
