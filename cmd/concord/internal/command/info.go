package command

import (
	"flag"
	"fmt"
	"sort"
)

func infoSpec() spec {
	return spec{
		synopsis: "Provides debugging information for operators.",
		usage: `
Usage: concord info [options]

  Provides debugging information for operators
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := clientFlags(fs)
			return func([]string) int { return c.info(h) }
		},
	}
}

func (c *cli) info(h *httpFlags) int {
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	self, err := client.Agent().Self()
	if err != nil {
		c.errorf("Error querying agent: %s", err)
		return 1
	}
	stats, ok := self["Stats"]
	if !ok {
		c.errorf("Agent response did not contain 'Stats' key: %v", self)
		return 1
	}
	for _, section := range sortedKeys(stats) {
		values, ok := stats[section].(map[string]interface{})
		if !ok {
			c.errorf("Got invalid subkey in stats: %v", stats[section])
			return 1
		}
		c.out(section + ":")
		for _, key := range sortedKeys(values) {
			c.out(fmt.Sprintf("\t%s = %v", key, values[key]))
		}
	}
	return 0
}

func sortedKeys(m map[string]interface{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
