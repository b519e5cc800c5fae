package ipc

import (
	"fmt"
	"math"
	"os"
	"strings"
	"sync"

	"ipcscope/internal/textfmt"
)

// LimitFix is the way out of a full or nearly full limit: the one-off
// sysctl, the file that keeps it across reboots, and the knobs a container
// runtime has for it (the IPC limits are per IPC namespace, so a
// container's are its own).
type LimitFix struct {
	Sysctl string `json:"sysctl"` // "kernel.sem", "kernel.shmmni", ...
	// Fields is the field order of a multi-field sysctl: for kernel.sem
	// "SEMMSL SEMMNS SEMOPM SEMMNI"; "" for one-value sysctls.
	Fields  string `json:"fields"`
	Current string `json:"current"` // the value now, in sysctl's order
	// Value is Current with only the full field raised (doubled, capped at
	// the kernel's maximum); "" when it is at that maximum already.
	Value string `json:"value"`
	// Command is the one-off: `sysctl -w kernel.sem="…"` (the same as
	// writing Value to /proc/sys/kernel/sem in the namespace).
	Command string `json:"command"`
	// PersistFile and PersistContent keep it across reboots (loaded by
	// systemd-sysctl at boot, or now by `sysctl --system`).
	PersistFile    string `json:"persist_file"`
	PersistContent string `json:"persist_content"`
	// Container knobs: docker's --sysctl (not with --ipc=host: then the
	// limit is the host's), a pod's securityContext.sysctls, and the
	// kubelet setting without which such a pod is refused (kernel.sem,
	// kernel.shm* and kernel.msg* are namespaced but outside Kubernetes'
	// safe set).
	Docker     string `json:"docker"`
	Kubernetes string `json:"kubernetes"`
	Kubelet    string `json:"kubelet"`
	// Note says what raising the limit does not do.
	Note string `json:"note"`
}

// semFields is the order of /proc/sys/kernel/sem and `sysctl kernel.sem`.
const semFields = "SEMMSL SEMMNS SEMOPM SEMMNI"

// ipcMNI is the kernel's cap on SEMMNI, SHMMNI and MSGMNI: IPCMNI 32,768,
// or 16,777,216 when booted with ipcmni_extend (ipc/util.h).
var ipcMNI = sync.OnceValue(func() uint64 {
	b, _ := os.ReadFile("/proc/cmdline")
	for _, f := range strings.Fields(string(b)) {
		if f == "ipcmni_extend" {
			return 1 << 24
		}
	}
	return 1 << 15
})

// explain fills f.Cause and f.Fix from the limits and usage it came from.
func explain(f *Finding, l Limits, u Usage) {
	leaked := u.Orphans + u.Stale
	why := ""
	switch f.Resource {
	case "SEMMNI", "SEMMNS":
		what, field, pos := "semaphore sets", "SEMMNI", "4th"
		if f.Resource == "SEMMNS" {
			what, field, pos = "semaphores in all sets", "SEMMNS", "2nd"
		}
		why = fmt.Sprintf("%s, the %s field of kernel.sem (%s), allows %s %s in this IPC namespace, and %s are in use", field, pos, semFields, textfmt.CommasU(f.Limit), what, textfmt.CommasU(f.Used))
		if leaked > 0 {
			why += fmt.Sprintf("; %s of the %s sets belong to no running process ipcscope can see (%d orphan, %d stale): they are left by programs that were killed or crashed before removing them (System V sets outlive their creator), so something leaks sets and a higher limit only buys time", textfmt.Commas(int64(leaked)), textfmt.Commas(int64(u.Sets)), u.Orphans, u.Stale)
		} else {
			why += "; every set has a running user, so the workload needs more than the limit allows"
		}
	case "SHMMNI", "SHMALL":
		why = fmt.Sprintf("kernel.%s allows %s and %s are in use in this IPC namespace; segments stay until removed (or until their last detach with kernel.shm_rmid_forced=1)", strings.ToLower(f.Resource), textfmt.CommasU(f.Limit), textfmt.CommasU(f.Used))
	case "MSGMNI":
		why = fmt.Sprintf("kernel.msgmni allows %s message queues and %s exist in this IPC namespace; queues stay until removed", textfmt.CommasU(f.Limit), textfmt.CommasU(f.Used))
	}
	f.Cause = why
	f.Fix = limitFix(f.Resource, l)
}

// limitFix raises only resource's field, doubling it within the kernel's
// maximum.
func limitFix(resource string, l Limits) *LimitFix {
	raise := func(cur, ceiling uint64) uint64 {
		if cur >= ceiling {
			return 0
		}
		return min(max(2*cur, cur+1), ceiling)
	}
	fx := &LimitFix{}
	switch resource {
	case "SEMMNI", "SEMMNS":
		fx.Sysctl, fx.Fields = "kernel.sem", semFields
		v := []uint64{uint64(l.SEMMSL), uint64(max(l.SEMMNS, 0)), uint64(l.SEMOPM), uint64(l.SEMMNI)}
		fx.Current = fmt.Sprintf("%d %d %d %d", v[0], v[1], v[2], v[3])
		i, ceiling := 3, ipcMNI()
		if resource == "SEMMNS" {
			i, ceiling = 1, math.MaxInt32
		}
		if n := raise(v[i], ceiling); n != 0 {
			v[i] = n
			fx.Value = fmt.Sprintf("%d %d %d %d", v[0], v[1], v[2], v[3])
		}
	case "SHMMNI", "MSGMNI":
		fx.Sysctl = "kernel." + strings.ToLower(resource)
		cur := uint64(l.SHMMNI)
		if resource == "MSGMNI" {
			cur = uint64(l.MSGMNI)
		}
		fx.Current = fmt.Sprint(cur)
		if n := raise(cur, ipcMNI()); n != 0 {
			fx.Value = fmt.Sprint(n)
		}
	case "SHMALL":
		fx.Sysctl, fx.Current = "kernel.shmall", fmt.Sprint(l.SHMALL)
		if n := raise(l.SHMALL, math.MaxInt64); n != 0 {
			fx.Value = fmt.Sprint(n)
		}
	default:
		return nil
	}
	if fx.Value == "" {
		fx.Note = fmt.Sprintf("%s is at the kernel's maximum already (%s): remove what leaks and stop the leak", resource, fx.Current)
		if resource == "SEMMNI" || resource == "SHMMNI" || resource == "MSGMNI" {
			fx.Note += "; booting with ipcmni_extend raises the maximum to 16,777,216"
		}
		return fx
	}
	quoted := fx.Value
	if fx.Fields != "" {
		quoted = `"` + fx.Value + `"`
	}
	fx.Command = "sysctl -w " + fx.Sysctl + "=" + quoted
	fx.PersistFile = "/etc/sysctl.d/90-ipcscope-" + strings.TrimPrefix(fx.Sysctl, "kernel.") + ".conf"
	fx.PersistContent = fx.Sysctl + " = " + fx.Value + "\n"
	fx.Docker = "docker run --sysctl " + fx.Sysctl + "=" + quoted + " … (not with --ipc=host)"
	fx.Kubernetes = fmt.Sprintf(`spec.securityContext.sysctls: [{name: %s, value: "%s"}]`, fx.Sysctl, fx.Value)
	fx.Kubelet = "--allowed-unsafe-sysctls=" + fx.Sysctl + " (KubeletConfiguration allowedUnsafeSysctls: [" + fx.Sysctl + "]): " + fx.Sysctl + " is namespaced but outside Kubernetes' safe set"
	fx.Note = "raising the limit does not remove what leaked; 'ipcscope clean' does that"
	return fx
}
