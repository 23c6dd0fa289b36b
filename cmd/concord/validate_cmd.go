package main

import (
	"fmt"
	"os"

	"github.com/concord-dev/concord/agent/config"
)

// runValidate checks configuration files and directories without
// starting anything.
func runValidate(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, "Usage: concord validate [options] FILE_OR_DIRECTORY...\n\n  Performs a basic sanity test on concord configuration files.")
		return 1
	}
	_, warnings, err := config.LoadFiles(args)
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "Warning:", w)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Config validation failed: %v\n", err)
		return 1
	}
	fmt.Println("Configuration is valid!")
	return 0
}
