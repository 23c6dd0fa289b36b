package agent

import (
	"github.com/concord-dev/concord/agent/httpapi"
	"github.com/concord-dev/concord/agent/monitor"
	"github.com/hashicorp/go-hclog"
)

// logStreams lets /v1/agent/monitor subscribe to the agent's log. Only
// an InterceptLogger (what cmd/concord and agenttest hand in) can fan
// lines out; with any other logger the endpoint answers 404. The source
// is kept so Shutdown can end the streams before stopping the HTTP
// servers, which would otherwise wait for them.
func (a *Agent) logStreams() httpapi.LogStreams {
	il, ok := a.logger.(hclog.InterceptLogger)
	if !ok {
		return nil
	}
	a.logs = monitor.NewSource(il, monitor.DefaultBufferLines)
	return a.logs
}
