// Command concord is a Consul-compatible service discovery and
// configuration agent and its command-line client.
package main

import (
	"os"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/cmd/concord/internal/command"
)

func main() {
	os.Exit(command.Run(os.Args[1:], command.Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Version:  agent.Version,
		Revision: agent.Revision(),
		Extra: map[string]command.Command{
			"agent":    {Synopsis: "Runs a concord agent", Run: runAgent},
			"validate": {Synopsis: "Validate config files/directories", Run: runValidate},
		},
	}))
}
