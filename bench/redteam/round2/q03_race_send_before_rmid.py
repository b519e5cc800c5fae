# run inside a private IPC namespace (q03 wrapper). N orphan queues (made by nobody, creator gone, empty).
# While `clean --msg` (no --discard-messages) runs, a root sender puts one message into each queue, last first.
# Any message whose msgsnd succeeded on a queue that clean then removed, without clean saying it discarded it,
# is data lost that the contract says --discard-messages is needed for.
import ctypes, os, sys, subprocess, time, json
l = ctypes.CDLL(None, use_errno=True)
if os.readlink("/proc/self/ns/ipc") == "ipc:[4026531839]": print("REFUSING"); sys.exit(3)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
IPCSCOPE = os.environ.get("IPCSCOPE", "$IPCSCOPE")
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.setgid(65534); os.setuid(65534)
    ids = [l.msgget(0, 0o1600) for _ in range(N)]
    os.write(w, json.dumps(ids).encode()); os._exit(0)
os.close(w); data = b""
while True:
    b = os.read(r, 65536)
    if not b: break
    data += b
os.waitpid(pid, 0); ids = json.loads(data)
audit = "/tmp/q03.audit"
try: os.unlink(audit)
except FileNotFoundError: pass
class M(ctypes.Structure): _fields_ = [("t", ctypes.c_long), ("b", ctypes.c_char * 16)]
spid = os.fork()
if spid == 0:
    while not (os.path.exists(audit) and os.path.getsize(audit) > 0): pass
    ok = []
    m = M(1, b"payload")
    for q in reversed(ids):
        if l.msgsnd(q, ctypes.byref(m), 16, 0o4000) == 0: ok.append(q)
    open("/tmp/q03.sent", "w").write(json.dumps(ok)); os._exit(0)
p = subprocess.run([IPCSCOPE, "clean", "--msg", "--audit-log", audit], capture_output=True, text=True)
os.waitpid(spid, 0)
sent = set(json.loads(open("/tmp/q03.sent").read()))
print("clean rc", p.returncode, "|", p.stdout.strip().splitlines()[-2] if p.stdout.strip() else p.stderr[-300:])
class D(ctypes.Structure): _fields_ = [("x", ctypes.c_char * 256)]
gone_with_msg = [q for q in sent if l.msgctl(q, 2, ctypes.byref(D())) < 0]
print(f"{len(sent)} messages sent successfully during clean; {len(gone_with_msg)} of them went into queues clean then removed")
lost_lines = [x for x in p.stdout.splitlines() if x.startswith("removed") and any(f"msqid {q} " in x for q in gone_with_msg[:50])]
for x in lost_lines[:3]: print("  ", x)
print("FAIL: messages sent before RMID were destroyed without --discard-messages" if gone_with_msg else "PASS (race not hit)")
for q in ids: l.msgctl(q, 0, None)
