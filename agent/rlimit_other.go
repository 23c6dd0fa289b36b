//go:build !linux

package agent

import "github.com/hashicorp/go-hclog"

// raiseFileLimit does nothing outside Linux.
func raiseFileLimit(hclog.Logger) {}
