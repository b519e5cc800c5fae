package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ipcscope/probe"
)

// discoverers are the local configurations the inspector reads for probe
// targets when none are given (variables so tests can stand in).
var (
	discoverApache = func(ctx context.Context) ([]probe.Target, error) {
		v, err := probe.DiscoverApache(ctx)
		if err != nil {
			return nil, err
		}
		return v.Targets(), nil
	}
	discoverNginx = func(ctx context.Context) ([]probe.Target, error) {
		v, err := probe.DiscoverNginx(ctx)
		if err != nil {
			return nil, err
		}
		return v.Targets(), nil
	}
)

// discoverLocal fills the probe pane of an inspector started without
// targets: the vhosts of the local Apache (apache2ctl -S) and nginx
// (nginx -T), as root only (both read every configuration file and key).
// The notice says where the list came from, or plainly why it is empty.
func discoverLocal(ctx context.Context, root bool) ([]probe.Target, string) {
	if !root {
		return nil, "Probe pane: no targets given, and not root, so the local Apache and nginx configurations were not read (run as root, or give targets; n adds one)."
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var targets []probe.Target
	var found, failed []string
	for _, d := range []struct {
		name string
		run  func(context.Context) ([]probe.Target, error)
	}{{"apache2ctl -S", discoverApache}, {"nginx -T", discoverNginx}} {
		ts, err := d.run(ctx)
		switch {
		case err != nil:
			failed = append(failed, d.name+": "+firstLine(err.Error()))
		case len(ts) == 0:
			failed = append(failed, d.name+": no vhost with a name")
		default:
			found = append(found, fmt.Sprintf("%d from %s", len(ts), d.name))
			targets = append(targets, ts...)
		}
	}
	if len(targets) == 0 {
		return nil, "Probe pane: no Apache or nginx vhosts found (" + strings.Join(failed, "; ") + "); n adds a target."
	}
	return targets, "Probe targets found on this server: " + strings.Join(found, ", ") + "."
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return probe.Clean(s)
}
