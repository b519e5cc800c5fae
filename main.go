// Command ipcscope inspects System V semaphore sets and the HTTPS/HTTP/2
// setup of a Linux web server. main.go only parses the command line and
// hands off to the cli package; ipc and probe return plain data, ui renders it.
package main

import (
	"os"

	"ipcscope/cli"
	"ipcscope/internal/sandbox"
)

func main() {
	// --demo re-executes this binary as the helper processes that hold
	// its sets: such a process does its one action and exits here.
	sandbox.RunHelperIfAsked()
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
