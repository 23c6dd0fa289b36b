package agent

import (
	"github.com/concord-dev/concord/agent/httpapi"
	"github.com/concord-dev/concord/agent/monitor"
	"github.com/hashicorp/go-hclog"
)

// logStreams lets /v1/agent/monitor subscribe to the agent's log. Only
// an InterceptLogger (what cmd/concord and agenttest hand in) can fan
// lines out; with any other logger the endpoint answers 404.
func (a *Agent) logStreams() httpapi.LogStreams {
	il, ok := a.logger.(hclog.InterceptLogger)
	if !ok {
		return nil
	}
	return monitor.NewSource(il, monitor.DefaultBufferLines)
}
