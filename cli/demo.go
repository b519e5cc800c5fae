package cli

import (
	"fmt"

	"ipcscope/ui"
)

func runDemo(env *Env, cfg ui.Config, o inspectOptions) int {
	fmt.Fprintln(env.Stderr, "demo: not yet")
	return ExitFail
}
