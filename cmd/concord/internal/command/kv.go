package command

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func kvSpec() spec {
	return spec{
		synopsis: "Interact with the key-value store",
		usage: `
Usage: concord kv <subcommand> [options] [args]

  This command has subcommands for interacting with concord's key-value
  store. Here are some simple examples, and more detailed examples are
  available in the subcommands or the documentation.

  Create or update the key named "redis/config/connections" with the value "5":

      $ concord kv put redis/config/connections 5

  Read this value back:

      $ concord kv get redis/config/connections

  Or get detailed key information:

      $ concord kv get -detailed redis/config/connections

  Finally, delete the key:

      $ concord kv delete redis/config/connections

  For more examples, ask for subcommand help or view the documentation.
`,
	}
}

// loadData resolves a DATA argument as Consul's kv commands do: "@path"
// reads the file, a lone "-" reads stdin, anything else is the data itself.
func loadData(arg string, stdin io.Reader) (string, error) {
	switch {
	case strings.HasPrefix(arg, "@"):
		data, err := os.ReadFile(arg[1:])
		if err != nil {
			return "", fmt.Errorf("Failed to read file: %s", err)
		}
		return string(data), nil
	case arg == "-":
		data, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("Failed to read stdin: %s", err)
		}
		return string(data), nil
	}
	return arg, nil
}

// keyArg is the optional KEY_OR_PREFIX argument of kv get, delete and
// export, its leading "/" removed as Consul does; ok is false (and the
// error printed) for more than one argument.
func (c *cli) keyArg(args []string) (string, bool) {
	if len(args) > 1 {
		c.errorf("Too many arguments (expected 1, got %d)", len(args))
		return "", false
	}
	if len(args) == 0 {
		return "", true
	}
	return strings.TrimPrefix(args[0], "/"), true
}
