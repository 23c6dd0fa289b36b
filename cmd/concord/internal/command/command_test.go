package command

import (
	"strings"
	"testing"
)

const topHelpText = `Usage: concord [--version] [--help] <command> [<args>]

Available commands are:
    acl            Interact with concord's ACLs
    agent          Runs a concord agent
    catalog        Interact with the catalog
    debug          Records a debugging archive for operators
    event          Fire a new event
    force-leave    Forces a member of the cluster to enter the "left" state
    info           Provides debugging information for operators.
    join           Tell concord agent to join cluster
    keygen         Generates a new encryption key
    keyring        Manages gossip layer encryption keys
    kv             Interact with the key-value store
    leave          Gracefully leaves the concord cluster and shuts down
    lock           Execute a command holding a lock
    maint          Controls node or service maintenance mode
    members        Lists the members of a concord cluster
    monitor        Stream logs from a concord agent
    operator       Provides cluster-level tools for concord operators
    reload         Triggers the agent to reload configuration files
    rtt            Estimates network round trip time between nodes
    services       Interact with services
    snapshot       Saves, restores and inspects snapshots of concord server state
    template       Render consul-template templates from concord's data
    tls            Builtin helpers for creating CAs and certificates
    validate       Validate config files/directories
    version        Prints the concord version
    watch          Watch for changes in concord
    zone           Export service records as a DNS zone

`

func TestTopLevelUsage(t *testing.T) {
	expect(t, runCLI(t, nil, ""), 1, "", topHelpText)
	for _, arg := range []string{"-h", "--help", "-help", "help"} {
		expect(t, runCLI(t, nil, "", arg), 0, topHelpText, "")
	}
	expect(t, runCLI(t, nil, "", "bogus", "x"), 1, "",
		"Unknown command: \"bogus\"\n\n"+topHelpText)
	expect(t, runCLI(t, nil, "", "-detailed", "members"), 1, "",
		"Invalid flags before the subcommand. If these flags are for\n"+
			"the subcommand, please put them after the subcommand.\n\n"+topHelpText)
}

func TestVersionFlags(t *testing.T) {
	want := "concord v0.1.0\nRevision abc1234\n" +
		"Protocol 2 spoken by default, understands 2 to 3 " +
		"(agent will automatically use protocol >2 when speaking to compatible agents)\n"
	for _, args := range [][]string{{"version"}, {"-v"}, {"--version"}, {"-version"}} {
		expect(t, runCLI(t, nil, "", args...), 0, want, "")
	}
}

func TestExtraVerbsRunWithTheirArgs(t *testing.T) {
	var got []string
	code := Run([]string{"agent", "-dev", "-h"}, Env{
		Extra: map[string]Command{"agent": {Synopsis: "x", Run: func(args []string) int {
			got = args
			return 7
		}}},
	})
	if code != 7 || strings.Join(got, " ") != "-dev -h" {
		t.Fatalf("agent ran with %q, exit %d", got, code)
	}
}

func TestParentCommandsListSubcommands(t *testing.T) {
	kv := runCLI(t, nil, "", "kv")
	if kv.code != 1 || kv.stderr != "" {
		t.Fatalf("kv: %+v", kv)
	}
	wantTail := "\n\nSubcommands:\n" +
		"    delete    Removes data from the KV store\n" +
		"    export    Exports a tree from the KV store as JSON\n" +
		"    get       Retrieves or lists data from the KV store\n" +
		"    import    Imports a tree stored as JSON to the KV store\n" +
		"    put       Sets or updates data in the KV store\n"
	if !strings.HasPrefix(kv.stdout, "Usage: concord kv <subcommand>") || !strings.HasSuffix(kv.stdout, wantTail) {
		t.Errorf("kv help:\n%s", kv.stdout)
	}
	if r := runCLI(t, nil, "", "kv", "-h"); r.code != 0 || r.stdout != kv.stdout {
		t.Errorf("kv -h: %+v", r)
	}

	op := runCLI(t, nil, "", "operator")
	if !strings.HasSuffix(op.stdout, "\n\nSubcommands:\n"+
		"    autopilot    Provides tools for modifying Autopilot configuration\n"+
		"    raft         Provides cluster-level tools for concord operators\n") {
		t.Errorf("operator help:\n%s", op.stdout)
	}
	raft := runCLI(t, nil, "", "operator", "raft", "nope")
	wantRaft := "\n\nSubcommands:\n" +
		"    list-peers         Display the current Raft peer configuration\n" +
		"    remove-peer        Remove a concord server from the Raft configuration\n" +
		"    transfer-leader    Transfer Raft leadership to another server\n"
	if raft.code != 1 || !strings.HasSuffix(raft.stdout, wantRaft) {
		t.Errorf("operator raft help: %+v", raft)
	}
}

func TestVerbHelpAndFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"kv", "put", "-h"}, {"kv", "put", "key", "--help"}, {"-h", "kv", "put"}, {"help", "kv", "put"}} {
		r := runCLI(t, nil, "", args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%q: %+v", args, r)
		}
		for _, want := range []string{
			"Usage: concord kv put [options] KEY [DATA]\n",
			"\nHTTP API Options\n\n  -ca-file=<value>\n     Path to a CA file",
			"\n  -http-addr=<address>\n     The address and port of the concord HTTP agent.",
			"\n  -stale\n     Permit any server",
			"\nCommand Options\n\n  -acquire\n",
			"\n  -flags=<uint>\n",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%q help lacks %q:\n%s", args, want, r.stdout)
			}
		}
		_, flagPart, _ := strings.Cut(r.stdout, "HTTP API Options")
		for _, line := range strings.Split(flagPart, "\n") {
			if len(line) > helpWidth {
				t.Errorf("help line longer than %d: %q", helpWidth, line)
			}
		}
	}

	// members has no -datacenter or -stale, as in Consul.
	if r := runCLI(t, nil, "", "members", "-h"); strings.Contains(r.stdout, "-stale") || strings.Contains(r.stdout, "-datacenter") {
		t.Errorf("members help shows server flags:\n%s", r.stdout)
	}

	r := runCLI(t, nil, "", "members", "-bogus")
	if r.code != 1 || r.stdout != "" ||
		!strings.HasPrefix(r.stderr, "flag provided but not defined: -bogus\nUsage: concord members [options]\n") {
		t.Errorf("members -bogus: %+v", r)
	}
}

func TestTableAlignsLikeColumnize(t *testing.T) {
	tb := newTable("Node", "Address", "Status")
	tb.add("node-1", "10.0.0.1:8301", "alive")
	tb.add("nœud-22", "10.0.0.22:8301", "failed")
	tb.add("n", "", "")
	want := "Node     Address         Status\n" +
		"node-1   10.0.0.1:8301   alive\n" +
		"nœud-22  10.0.0.22:8301  failed\n" +
		"n                        "
	if got := tb.String(); got != want {
		t.Errorf("table:\n%q\nwant\n%q", got, want)
	}
	if got := newTable().String(); got != "" {
		t.Errorf("empty table = %q", got)
	}
}
