package cli

import (
	"context"
	"fmt"
	"io"

	"ipcscope/doctor"
	"ipcscope/probe"
)

// explainNoH2 says, per target that answered without HTTP/2, which
// prerequisite is missing. Apache's setup is read once, and only with
// --apache (the local configuration says nothing of other hosts) and when
// some target lacks HTTP/2.
func explainNoH2(ctx context.Context, results []probe.Result, apache bool, apacheConf string, nginx *probe.NginxServers) []*doctor.NoH2 {
	out := []*doctor.NoH2{}
	var setup *doctor.ApacheSetup
	read := false
	for _, r := range results {
		if doctor.ExplainNoH2(r, nil, nil) == nil {
			continue
		}
		if apache && !read {
			read = true
			setup, _ = doctor.ReadApache(ctx, apacheConf) // unread: the Server header fallback says so
		}
		if n := doctor.ExplainNoH2(r, setup, nginx); n != nil {
			out = append(out, n)
		}
	}
	return out
}

func printWhyNoH2(w io.Writer, why []*doctor.NoH2) {
	if len(why) == 0 {
		return
	}
	fmt.Fprintln(w, "\nWhy no HTTP/2:")
	for _, n := range why {
		for i, r := range n.Reasons {
			label := n.HostPort
			if n.Want == "h2c" {
				label = "http://" + label
			}
			head := fmt.Sprintf("  %s (no %s; from %s): ", label, n.Want, doctor.FromText(n.From))
			if i > 0 {
				head = "    and: "
			}
			printWrapped(w, head, r.Cause)
			if r.Fix != "" {
				printWrapped(w, "    fix: ", r.Fix)
			}
		}
	}
}
