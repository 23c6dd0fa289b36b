package command

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
)

// keygenSize is the length of the keys keygen makes: AES-256.
const keygenSize = 32

func keygenSpec() spec {
	return spec{
		synopsis: "Generates a new encryption key",
		usage: `
Usage: concord keygen

  Generates a new 32-byte encryption key for gossip encryption, printed in
  the base64 form the agent's -encrypt flag, its "encrypt" setting and
  "concord keyring -install" expect.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			return func([]string) int {
				key := make([]byte, keygenSize)
				if _, err := rand.Read(key); err != nil {
					c.errorf("Error reading random data: %s", err)
					return 1
				}
				c.out(base64.StdEncoding.EncodeToString(key))
				return 0
			}
		},
	}
}
