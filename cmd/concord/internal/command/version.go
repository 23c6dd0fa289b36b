package command

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
)

// The RPC protocol versions concord speaks, as Consul reports its own.
const (
	protocolDefault = 2
	protocolMin     = 2
	protocolMax     = 3
)

type versionInfo struct {
	Version  string
	Revision string
	RPC      struct{ Default, Min, Max int }
}

func versionSpec() spec {
	return spec{
		synopsis: "Prints the concord version",
		usage: `
Usage: concord version [options]
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			format := fs.String("format", "pretty", "Output format {pretty|json}")
			return func([]string) int { return c.version(*format) }
		},
	}
}

func (c *cli) version(format string) int {
	info := versionInfo{Version: c.env.Version, Revision: c.env.Revision}
	info.RPC.Default, info.RPC.Min, info.RPC.Max = protocolDefault, protocolMin, protocolMax
	switch format {
	case "pretty":
		var b strings.Builder
		fmt.Fprintf(&b, "concord v%s\n", info.Version)
		if info.Revision != "" {
			fmt.Fprintf(&b, "Revision %s\n", info.Revision)
		}
		supplement := ""
		if protocolDefault < protocolMax {
			supplement = fmt.Sprintf(" (agent will automatically use protocol >%d "+
				"when speaking to compatible agents)", protocolDefault)
		}
		fmt.Fprintf(&b, "Protocol %d spoken by default, understands %d to %d%s",
			protocolDefault, protocolMin, protocolMax, supplement)
		c.out(b.String())
	case "json":
		out, err := json.MarshalIndent(info, "", "   ")
		if err != nil {
			c.errorf("Failed to marshal version info: %v", err)
			return 1
		}
		c.out(string(out))
	default:
		c.errorf("Unknown format: %s", format)
		return 1
	}
	return 0
}
