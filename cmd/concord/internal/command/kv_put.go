package command

import (
	"encoding/base64"
	"flag"
	"fmt"

	"github.com/hashicorp/consul/api"
)

type kvPutFlags struct {
	cas, base64, acquire, release bool
	flags, modifyIndex            uint64
	session                       string
}

func kvPutSpec() spec {
	return spec{
		synopsis: "Sets or updates data in the KV store",
		usage: `
Usage: concord kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be of
  any type.

      $ concord kv put config/redis/maxconns 5

  The data can also be consumed from a file on disk by prefixing with the "@"
  symbol. For example:

      $ concord kv put config/program/license @license.lic

  Or it can be read from stdin using the "-" symbol:

      $ echo "abcd1234" | concord kv put config/program/license -

  The DATA argument itself is optional. If omitted, this will create an empty
  key-value pair at the specified path:

      $ concord kv put webapp/beta/active

  If the -base64 flag is specified, the data will be treated as base 64
  encoded.

  To perform a Check-And-Set operation, specify the -cas flag with the
  appropriate -modify-index flag corresponding to the key you want to perform
  the CAS operation on:

      $ concord kv put -cas -modify-index=844 config/redis/maxconns 5

  Additional flags and more advanced use cases are detailed below.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			f := &kvPutFlags{}
			fs.BoolVar(&f.cas, "cas", false, "Perform a Check-And-Set operation. "+
				"Specifying this value also requires the -modify-index flag to be set. "+
				"The default value is false.")
			fs.Uint64Var(&f.flags, "flags", 0, "Unsigned integer value to assign to "+
				"this key-value pair. This value is not read by concord, so clients can "+
				"use this value however makes sense for their use case. The default "+
				"value is 0 (no flags).")
			fs.BoolVar(&f.base64, "base64", false,
				"Treat the data as base 64 encoded. The default value is false.")
			fs.Uint64Var(&f.modifyIndex, "modify-index", 0, "Unsigned integer "+
				"representing the ModifyIndex of the key. This is used in combination "+
				"with the -cas flag.")
			fs.StringVar(&f.session, "session", "", "User-defined identifier for "+
				"this session as a string. This is commonly used with the -acquire and "+
				"-release operations to build robust locking, but it can be set on any "+
				"key. The default value is empty (no session).")
			fs.BoolVar(&f.acquire, "acquire", false, "Obtain a lock on the key. "+
				"Requires -session. This is used to build locks. The default value is "+
				"false.")
			fs.BoolVar(&f.release, "release", false, "Forfeit the lock on the key "+
				"at the given path. Requires -session. This is used to build locks. The "+
				"default value is false.")
			h := serverFlags(fs)
			return func(args []string) int { return c.kvPut(h, f, args) }
		},
	}
}

func (c *cli) kvPut(h *httpFlags, f *kvPutFlags, args []string) int {
	var key, data string
	switch len(args) {
	case 0:
		c.errorf("Error! Missing KEY argument")
		return 1
	case 1:
		key = args[0]
	case 2:
		key = args[0]
		// An empty quoted argument is an empty value, not a source.
		if args[1] != "" {
			var err error
			if data, err = loadData(args[1], c.env.Stdin); err != nil {
				c.errorf("Error! %s", err)
				return 1
			}
		}
	default:
		c.errorf("Error! Too many arguments (expected 1 or 2, got %d)", len(args))
		return 1
	}

	value := []byte(data)
	if f.base64 {
		var err error
		if value, err = base64.StdEncoding.DecodeString(data); err != nil {
			c.errorf("Error! Cannot base 64 decode data: %s", err)
			return 1
		}
	}
	if (f.release || f.acquire) && f.session == "" {
		c.errorf("Error! Missing -session (required with -acquire and -release)")
		return 1
	}
	if f.cas && f.modifyIndex == 0 {
		c.errorf("Must specify -modify-index with -cas!")
		return 1
	}

	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	pair := &api.KVPair{Key: key, ModifyIndex: f.modifyIndex, Flags: f.flags, Value: value, Session: f.session}
	switch {
	case f.acquire:
		ok, _, err := client.KV().Acquire(pair, nil)
		if err != nil {
			c.errorf("Error! Failed writing data: %s", err)
			return 1
		}
		if !ok {
			c.errorf("Error! Did not acquire lock")
			return 1
		}
		c.out(fmt.Sprintf("Success! Lock acquired on: %s", key))
		return 0
	case f.release:
		ok, _, err := client.KV().Release(pair, nil)
		if err != nil {
			c.errorf("Error! Failed writing data: %s", err)
			return 1
		}
		if !ok {
			c.errorf("Error! Did not release lock")
			return 1
		}
		c.out(fmt.Sprintf("Success! Lock released on: %s", key))
		return 0
	}
	if f.cas {
		written, _, err := client.KV().CAS(pair, nil)
		if err != nil {
			c.errorf("Error! Did not write to %s: %s", key, err)
			return 1
		}
		if !written {
			c.errorf("Error! Did not write to %s: CAS failed", key)
			return 1
		}
	} else if _, err := client.KV().Put(pair, nil); err != nil {
		c.errorf("Error! Failed writing data: %s", err)
		return 1
	}
	c.out(fmt.Sprintf("Success! Data written to: %s", key))
	return 0
}
