# usage (as root inside private ns): python3 mkorphans.py N  -> N orphan sets owned by uid 1000, key 0
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from semlib import *
private_ns_guard()
n=int(sys.argv[1]); pid=os.fork()
if pid==0:
    os.setgid(1000); os.setuid(1000)
    for i in range(n):
        s=semget(0,1,IPC_CREAT|0o600); semop(s,0,1)
    os._exit(0)
os.waitpid(pid,0)
