package command

import (
	"flag"

	"github.com/hashicorp/consul/api"
)

func kvDeleteSpec() spec {
	return spec{
		synopsis: "Removes data from the KV store",
		usage: `
Usage: concord kv delete [options] KEY_OR_PREFIX

  Removes the value from concord's key-value store at the given path. If no
  key exists at the path, no action is taken.

  To delete the value for the key named "foo" in the key-value store:

      $ concord kv delete foo

  To delete all keys which start with "foo", specify the -recurse option:

      $ concord kv delete -recurse foo

  This will delete the keys named "foo", "food", and "foo/bar/zip" if they
  existed.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var cas, recurse bool
			var modifyIndex uint64
			fs.BoolVar(&cas, "cas", false, "Perform a Check-And-Set operation. "+
				"Specifying this value also requires the -modify-index flag to be set. "+
				"The default value is false.")
			fs.Uint64Var(&modifyIndex, "modify-index", 0, "Unsigned integer "+
				"representing the ModifyIndex of the key. This is used in combination "+
				"with the -cas flag.")
			fs.BoolVar(&recurse, "recurse", false, "Recursively delete all keys with "+
				"the path. The default value is false.")
			h := serverFlags(fs)
			return func(args []string) int {
				return c.kvDelete(h, args, cas, recurse, modifyIndex)
			}
		},
	}
}

func (c *cli) kvDelete(h *httpFlags, args []string, cas, recurse bool, modifyIndex uint64) int {
	key, ok := c.keyArg(args)
	if !ok {
		return 1
	}
	switch {
	case key == "" && !recurse:
		c.errorf("Error! Missing KEY argument")
		return 1
	case cas && modifyIndex == 0:
		c.errorf("Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.")
		return 1
	case modifyIndex != 0 && !cas:
		c.errorf("Cannot specify -modify-index without -cas!")
		return 1
	case recurse && cas:
		c.errorf("Cannot specify both -cas and -recurse!")
		return 1
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}

	switch {
	case recurse:
		if _, err := client.KV().DeleteTree(key, nil); err != nil {
			c.errorf("Error! Did not delete prefix %s: %s", key, err)
			return 1
		}
		c.out("Success! Deleted keys with prefix: " + key)
	case cas:
		deleted, _, err := client.KV().DeleteCAS(&api.KVPair{Key: key, ModifyIndex: modifyIndex}, nil)
		if err != nil {
			c.errorf("Error! Did not delete key %s: %s", key, err)
			return 1
		}
		if !deleted {
			c.errorf("Error! Did not delete key %s: CAS failed", key)
			return 1
		}
		c.out("Success! Deleted key: " + key)
	default:
		if _, err := client.KV().Delete(key, nil); err != nil {
			c.errorf("Error deleting key %s: %s", key, err)
			return 1
		}
		c.out("Success! Deleted key: " + key)
	}
	return 0
}
