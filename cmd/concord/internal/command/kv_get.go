package command

import (
	"encoding/base64"
	"flag"
	"strconv"

	"github.com/hashicorp/consul/api"
)

type kvGetFlags struct {
	base64, detailed, keys, recurse bool
	separator                       string
}

func kvGetSpec() spec {
	return spec{
		synopsis: "Retrieves or lists data from the KV store",
		usage: `
Usage: concord kv get [options] [KEY_OR_PREFIX]

  Retrieves the value from concord's key-value store at the given key name. If
  no key exists with that name, an error is returned. If a key exists with that
  name but has no data, nothing is returned. If the name or prefix is omitted,
  it defaults to "" which is the root of the key-value store.

  To retrieve the value for the key named "foo" in the key-value store:

      $ concord kv get foo

  This will return the original, raw value stored in concord. To view detailed
  information about the key, specify the "-detailed" flag. This will output all
  known metadata about the key including ModifyIndex and any user-supplied
  flags:

      $ concord kv get -detailed foo

  To treat the path as a prefix and list all keys which start with the given
  prefix, specify the "-recurse" flag:

      $ concord kv get -recurse foo

  This will return all key-value pairs. To just list the keys which start with
  the specified prefix, use the "-keys" option instead:

      $ concord kv get -keys foo

  For a full list of options and examples, please see the documentation.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			f := &kvGetFlags{}
			fs.BoolVar(&f.base64, "base64", false,
				"Base64 encode the value. The default value is false.")
			fs.BoolVar(&f.detailed, "detailed", false, "Provide additional metadata "+
				"about the key in addition to the value such as the ModifyIndex and any "+
				"flags that may have been set on the key. The default value is false.")
			fs.BoolVar(&f.keys, "keys", false, "List keys which start with the given "+
				"prefix, but not their values. This is especially useful if you only "+
				"need the key names themselves. This option is commonly combined with "+
				"the -separator option. The default value is false.")
			fs.BoolVar(&f.recurse, "recurse", false, "Recursively look at all keys "+
				"prefixed with the given path. The default value is false.")
			fs.StringVar(&f.separator, "separator", "/", "String to use as a "+
				"separator between keys. The default value is \"/\", but this option is "+
				"only taken into account when paired with the -keys flag.")
			h := serverFlags(fs)
			return func(args []string) int { return c.kvGet(h, f, args) }
		},
	}
}

func (c *cli) kvGet(h *httpFlags, f *kvGetFlags, args []string) int {
	key, ok := c.keyArg(args)
	if !ok {
		return 1
	}
	if key == "" && !f.recurse && !f.keys {
		c.errorf("Error! Missing KEY argument")
		return 1
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}

	switch {
	case f.keys:
		keys, _, err := client.KV().Keys(key, f.separator, h.query())
		if err != nil {
			c.errorf("Error querying concord agent: %s", err)
			return 1
		}
		for _, k := range keys {
			c.out(k)
		}
	case f.recurse:
		pairs, _, err := client.KV().List(key, h.query())
		if err != nil {
			c.errorf("Error querying concord agent: %s", err)
			return 1
		}
		for i, pair := range pairs {
			switch {
			case f.detailed:
				c.out(detailedPair(pair, f.base64))
				if i < len(pairs)-1 {
					c.out("")
				}
			case f.base64:
				c.out(pair.Key + ":" + base64.StdEncoding.EncodeToString(pair.Value))
			default:
				c.out(pair.Key + ":" + string(pair.Value))
			}
		}
	default:
		pair, _, err := client.KV().Get(key, h.query())
		if err != nil {
			c.errorf("Error querying concord agent: %s", err)
			return 1
		}
		if pair == nil {
			c.errorf("Error! No key exists at: %s", key)
			return 1
		}
		switch {
		case f.detailed:
			c.out(detailedPair(pair, f.base64))
		case f.base64:
			c.out(base64.StdEncoding.EncodeToString(pair.Value))
		default:
			c.out(string(pair.Value))
		}
	}
	return 0
}

// detailedPair is Consul's -detailed block: field names padded to the
// widest plus six spaces (its tabwriter settings), then the value.
func detailedPair(pair *api.KVPair, b64 bool) string {
	session := pair.Session
	if session == "" {
		session = "-"
	}
	value := string(pair.Value)
	if b64 {
		value = base64.StdEncoding.EncodeToString(pair.Value)
	}
	t := &table{gap: "      "}
	t.add("CreateIndex", strconv.FormatUint(pair.CreateIndex, 10))
	t.add("Flags", strconv.FormatUint(pair.Flags, 10))
	t.add("Key", pair.Key)
	t.add("LockIndex", strconv.FormatUint(pair.LockIndex, 10))
	t.add("ModifyIndex", strconv.FormatUint(pair.ModifyIndex, 10))
	t.add("Session", session)
	t.add("Value", value)
	return t.String()
}
