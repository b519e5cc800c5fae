# helper: SysV semaphores via ctypes (run only inside a private IPC namespace!)
import ctypes, os, struct, json, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
IPC_PRIVATE=0; IPC_CREAT=0o1000; IPC_EXCL=0o2000; IPC_RMID=0; IPC_SET=1; IPC_STAT=2
GETPID=11; GETVAL=12; GETNCNT=14; GETZCNT=15; SETVAL=16; SETALL=17; SEM_UNDO=0x1000
libc.semget.argtypes=[ctypes.c_int, ctypes.c_int, ctypes.c_int]
libc.semop.argtypes=[ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
class sembuf(ctypes.Structure):
    _fields_=[("sem_num",ctypes.c_ushort),("sem_op",ctypes.c_short),("sem_flg",ctypes.c_short)]
class ipc_perm(ctypes.Structure):
    _fields_=[("key",ctypes.c_int),("uid",ctypes.c_uint),("gid",ctypes.c_uint),("cuid",ctypes.c_uint),("cgid",ctypes.c_uint),("mode",ctypes.c_ushort),("pad1",ctypes.c_ushort),("seq",ctypes.c_ushort),("pad2",ctypes.c_ushort),("r1",ctypes.c_ulong),("r2",ctypes.c_ulong)]
class semid_ds(ctypes.Structure):
    _fields_=[("perm",ipc_perm),("otime",ctypes.c_long),("r1",ctypes.c_ulong),("ctime",ctypes.c_long),("r2",ctypes.c_ulong),("nsems",ctypes.c_ulong),("r3",ctypes.c_ulong),("r4",ctypes.c_ulong)]
def chk(r):
    if r < 0:
        e=ctypes.get_errno(); raise OSError(e, os.strerror(e))
    return r
def semget(key, nsems=1, flags=IPC_CREAT|0o600): return chk(libc.semget(key, nsems, flags))
def semop(sid, num=0, op=1, flg=0):
    b=sembuf(num,op,flg); return chk(libc.semop(sid, ctypes.byref(b), 1))
def setval(sid, num, val): return chk(libc.semctl(sid, num, SETVAL, ctypes.c_int(val)))
def getpid_(sid, num=0): return chk(libc.semctl(sid, num, GETPID, 0))
def stat(sid):
    d=semid_ds(); chk(libc.semctl(sid, 0, IPC_STAT, ctypes.byref(d))); return d
def setperm(sid, uid=None, gid=None, mode=None):
    d=stat(sid)
    if uid is not None: d.perm.uid=uid
    if gid is not None: d.perm.gid=gid
    if mode is not None: d.perm.mode=mode
    return chk(libc.semctl(sid, 0, IPC_SET, ctypes.byref(d)))
def rmid(sid): return chk(libc.semctl(sid, 0, IPC_RMID, 0))
def exists(sid):
    d=semid_ds(); return libc.semctl(sid, 0, IPC_STAT, ctypes.byref(d)) >= 0
IPCSCOPE="/work/redteam/ipcscope"
def run(*args, **kw):
    p=subprocess.run([IPCSCOPE,*args], capture_output=True, text=True, **kw)
    return p.returncode, p.stdout, p.stderr
def listjson():
    rc,out,err=run("list","--json")
    sets=[]
    for l in out.splitlines():
        l=l.strip()
        if not l: continue
        try: sets.append(json.loads(l))
        except Exception: pass
    return sets, out
def verdict(sid):
    sets,out=listjson()
    for s in sets:
        if isinstance(s,dict) and s.get("id")==sid: return s
    return {"raw":out}
def private_ns_guard():
    # refuse to run in host IPC namespace
    host="ipc:[4026531839]"; me=os.readlink("/proc/self/ns/ipc")
    if host==me:
        print("REFUSING: not in a private IPC namespace"); sys.exit(3)
