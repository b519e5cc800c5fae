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
	keyed                bool // the wording differs (and a keyed set is never an orphan)
}

// holderFacts is the answer, worded once for every set that shares it.
type holderFacts struct {
	n      int    // processes let in
	reason string // who they are, for the reasons
}

func keyOf(s *Set) holderKey {
	return holderKey{mode: s.Perms & 0o777, uid: s.UID, gid: s.GID, cuid: s.CUID, cgid: s.CGID, keyed: s.Key != 0}
}

// admits reports whether the permissions in k let p in, and how. A
// process that is not root but holds CAP_IPC_OWNER (given to a service on
// purpose) is let into every set.
func (k holderKey) admits(p *Process) (bool, string) {
	if p.IPCOwner && !hasUID(p, 0) {
		return true, "CAP_IPC_OWNER"
	}
	if p.Unknown {
		return true, "unknown"
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
	return env.computeHolders(keyOf(s))
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
			env.holderCache[k] = env.computeHolders(k)
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
		env.holderCache[k] = env.computeHolders(k)
	}
}

func (env *judgeEnv) computeHolders(k holderKey) holderFacts {
	keyed := k.keyed
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
	var here, maybe []*Process
	for _, p := range in {
		if p.IPCNS == 0 || env.ns == 0 {
			maybe = append(maybe, p)
		} else {
			here = append(here, p)
		}
	}
	var who string
	if len(here) > 0 {
		who = fmt.Sprintf("%s of %s (%s) %s in this IPC namespace", plural(len(here), "process", "processes"), userSummary(here, env.names), commSummary(here), runs(len(here)))
	}
	if len(maybe) > 0 {
		if who != "" {
			who += ", and "
		}
		who += fmt.Sprintf("%s of %s (%s) whose IPC namespace ipcscope cannot read %s, counted in case %s here", plural(len(maybe), "process", "processes"), userSummary(maybe, env.names), commSummary(maybe), runs(len(maybe)), theyAre(len(maybe)))
	}
	if keyed {
		f.reason = fmt.Sprintf("its key can be found again with semget() by any process its permissions let in (mode %s): %s; settles when they stop, or remove it by hand (ipcrm) if you know it is unused", mode, who)
	} else {
		f.reason = fmt.Sprintf("key 0: only its creator and processes started from it can know its ID, and of those its permissions let in (mode %s), %s; settles when they stop, or remove it by hand (ipcrm) if you know it is unused", mode, who)
	}
	return f
}

// userSummary says "user www-data", "users root, www-data" or "users
// root and 2 unreadable" for the distinct real users of procs.
func userSummary(procs []*Process, n *names) string {
	seen := map[int]bool{}
	var ids []int
	unknown := 0
	for _, p := range procs {
		if p.Unknown {
			unknown++
			continue
		}
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
	if unknown > 0 {
		parts = append(parts, plural(unknown, "unreadable process", "unreadable processes"))
	}
	if len(parts) == 1 && unknown == 0 {
		return "user " + parts[0]
	}
	return "users " + strings.Join(parts, ", ")
}

func runs(n int) string {
	if n == 1 {
		return "runs"
	}
	return "run"
}

func theyAre(n int) string {
	if n == 1 {
		return "it is"
	}
	return "they are"
}
