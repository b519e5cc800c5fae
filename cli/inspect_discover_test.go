package cli

import (
	"context"
	"errors"
	"ipcscope/ipc/ipctest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"ipcscope/probe"
	"ipcscope/probe/probetest"
)

// TestDiscoverLocal: the inspector without targets fills its probe pane
// from the local servers (as root), says where the list came from, and
// says plainly when nothing was found and why.
func TestDiscoverLocal(t *testing.T) {
	saveA, saveN := discoverApache, discoverNginx
	t.Cleanup(func() { discoverApache, discoverNginx = saveA, saveN })
	tg, _ := probe.ParseTarget("a.test")
	discoverApache = func(context.Context) ([]probe.Target, error) { return []probe.Target{tg, tg}, nil }
	discoverNginx = func(context.Context) ([]probe.Target, error) {
		return nil, errors.New("no nginx found (tried nginx)\nmore")
	}

	if ts, note := discoverLocal(t.Context(), false); ts != nil || !strings.Contains(note, "not root") {
		t.Errorf("not root: %v %q", ts, note)
	}
	if ts, note := discoverLocal(t.Context(), true); len(ts) != 2 || note != "Probe targets found on this server: 2 from apache2ctl -S." {
		t.Errorf("apache only: %d %q", len(ts), note)
	}
	discoverApache = func(context.Context) ([]probe.Target, error) {
		return nil, errors.New("no Apache control program found")
	}
	ts, note := discoverLocal(t.Context(), true)
	if ts != nil || note != "Probe pane: no Apache or nginx vhosts found (apache2ctl -S: no Apache control program found; nginx -T: no nginx found (tried nginx)); n adds a target." {
		t.Errorf("nothing: %v %q", ts, note)
	}

	// The real discovery against a running Apache (apache2ctl with
	// APACHE_ARGUMENTS pointing at the test configuration).
	discoverApache = saveA
	if _, _, err := probetest.FindApache(); err != nil || exec.Command("sh", "-c", "command -v apache2ctl").Run() != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatalf("end-to-end test required: %v", err)
		}
		t.Skip("no apache2ctl")
	}
	ipctest.HoldApacheLock(t)
	a, err := probetest.StartApache()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	t.Setenv("APACHE_ARGUMENTS", "-f "+a.Conf)
	ts, note = discoverLocal(t.Context(), true)
	if len(ts) != 11 || note != "Probe targets found on this server: 11 from apache2ctl -S." || !strings.HasPrefix(ts[0].Input, "apache:") {
		t.Errorf("real Apache: %d targets, %q", len(ts), note)
	}
}
