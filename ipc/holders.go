package ipc

import (
	"fmt"
	"sort"
	"strings"
)

// Who could still use a set that no live process operated on last: the
// processes of its IPC namespace that the set's permissions let in.
//
//   - Key ≠ 0: any of them can find it again with semget(key) at any time.
//   - Key 0 (IPC_PRIVATE): only its creator and processes started from it
//     can know its ID; but a process started from the creator can have any
//     uid (Apache's children setuid to www-data, sudo), so every process
//     the mode admits may be one of them.
//
// A process is let in as owner when any of its four uids is the set's
// owner or creator (it can chmod the set with IPC_SET even at mode 000),
// as group when any of its gids or supplementary groups is the set's
// group or creator group and the group bits allow reading or altering,
// and as other when the other bits do. Root's CAP_IPC_OWNER, which opens
// every set, is not counted unless root is owner or creator: otherwise
// nothing would ever be an orphan; a process of another user that holds
// CAP_IPC_OWNER is. ipcscope itself is not counted.

// holderKey is what the answer depends on.
type holderKey struct {
	mode                 Perms
	uid, gid, cuid, cgid int
}

// holderFacts is the answer, worded once for every set that shares it.
type holderFacts struct {
	n      int    // processes let in
	reason string // who they are, for the reasons
}

func keyOf(s *Set) holderKey {
	return holderKey{mode: s.Perms & 0o777, uid: s.UID, gid: s.GID, cuid: s.CUID, cgid: s.CGID}
}

// admits reports whether the permissions in k let p in, and how. A
// process that is not root but holds CAP_IPC_OWNER (given to a service on
// purpose) is let into every set.
func (k holderKey) admits(p *Process) (bool, string) {
	if p.IPCOwner && !hasUID(p, 0) {
		return true, "CAP_IPC_OWNER"
	}
	for _, u := range p.UIDs {
		if u == k.uid || u == k.cuid {
			return true, "owner"
		}
	}
	if k.mode&0o060 != 0 {
		in := func(g int) bool { return g == k.gid || g == k.cgid }
		for _, g := range p.GIDs {
			if in(g) {
				return true, "group"
			}
		}
		for _, g := range p.Groups {
			if in(g) {
				return true, "group"
			}
		}
	}
	if k.mode&0o006 != 0 {
		return true, "other"
	}
	return false, ""
}

// holders answers for s, from the cache filled by learnHolders.
func (env *judgeEnv) holders(s *Set) holderFacts {
	if f, ok := env.holderCache[keyOf(s)]; ok {
		return f
	}
	return env.computeHolders(keyOf(s), s.Key != 0)
}

// learnHolders fills the cache for every distinct owner, creator and mode
// of sets, before the workers judge (they only read it).
func (env *judgeEnv) learnHolders(sets []Set) {
	if env.holderCache == nil {
		env.holderCache = map[holderKey]holderFacts{}
	}
	var last holderKey
	for i := range sets {
		k := keyOf(&sets[i])
		if i > 0 && k == last {
			continue
		}
		last = k
		if _, ok := env.holderCache[k]; !ok {
			env.holderCache[k] = env.computeHolders(k, sets[i].Key != 0)
		}
	}
}

// learnHolder fills the cache for one set (single-threaded callers).
func (env *judgeEnv) learnHolder(s *Set) {
	if env.holderCache == nil {
		env.holderCache = map[holderKey]holderFacts{}
	}
	k := keyOf(s)
	if _, ok := env.holderCache[k]; !ok {
		env.holderCache[k] = env.computeHolders(k, s.Key != 0)
	}
}

func (env *judgeEnv) computeHolders(k holderKey, keyed bool) holderFacts {
	var in []*Process
	for _, p := range env.nsProcs {
		if ok, _ := k.admits(p); ok {
			in = append(in, p)
		}
	}
	if len(in) == 0 {
		// Before calling it unused: the other threads of multi-threaded
		// processes, which may run as another user or sit in this
		// namespace while their main thread does not.
		self := selfPID()
		for _, p := range env.multi {
			if p.PID == self {
				continue
			}
			for _, t := range env.threads.of(p) {
				q := t.asProcess(p)
				if q.IPCNS != 0 && env.ns != 0 && q.IPCNS != env.ns {
					continue
				}
				if ok, _ := k.admits(q); ok {
					in = append(in, q)
					break
				}
			}
		}
	}
	f := holderFacts{n: len(in)}
	mode := Perms(k.mode).String()
	if len(in) == 0 {
		f.reason = fmt.Sprintf("no process that its permissions let in (mode %s, owner %s, creator %s) runs in this IPC namespace", mode, env.names.user(k.uid), env.names.user(k.cuid))
		return f
	}
	who := fmt.Sprintf("%s of %s (%s)", plural(len(in), "process", "processes"), userSummary(in, env.names), commSummary(in))
	if keyed {
		f.reason = fmt.Sprintf("its key can be found again with semget() by any process its permissions let in (mode %s), and %s run in this IPC namespace; settles when they stop, or remove it by hand (ipcrm) if you know it is unused", mode, who)
	} else {
		f.reason = fmt.Sprintf("key 0: only its creator and processes started from it can know its ID, and %s that its permissions let in (mode %s) run in this IPC namespace and could be one of them; settles when they stop, or remove it by hand (ipcrm) if you know it is unused", who, mode)
	}
	return f
}

// userSummary says "www-data, root" for the distinct real users of procs.
func userSummary(procs []*Process, n *names) string {
	seen := map[int]bool{}
	var ids []int
	for _, p := range procs {
		if !seen[p.UIDs[0]] {
			seen[p.UIDs[0]] = true
			ids = append(ids, p.UIDs[0])
		}
	}
	sort.Ints(ids)
	var parts []string
	for i, id := range ids {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more users", len(ids)-i))
			break
		}
		parts = append(parts, n.user(id))
	}
	if len(ids) == 1 {
		return "user " + parts[0]
	}
	return "users " + strings.Join(parts, ", ")
}
