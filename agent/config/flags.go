package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// flagResult is what the agent's command line says.
type flagResult struct {
	p        partial
	paths    []string // -config-file and -config-dir, in command-line order
	format   string   // -config-format
	warnings []string
}

// parseFlags parses the agent's flags (args excludes the "agent" word). It
// returns flag.ErrHelp for -h and -help.
func parseFlags(args []string) (*flagResult, error) {
	r := &flagResult{}
	fs := newFlagSet(r, true)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		const undefined = "flag provided but not defined: "
		if name, ok := strings.CutPrefix(err.Error(), undefined); ok {
			msg := "unknown flag " + name
			var names []string
			fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
			if s := closest(strings.TrimLeft(name, "-"), names); s != "" {
				msg += fmt.Sprintf(" (did you mean -%s?)", s)
			}
			return nil, errors.New(msg + `; run "concord agent -h" to list the flags`)
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: the agent takes only flags (is a value missing its flag, or a flag its \"-\"?)", fs.Arg(0))
	}
	return r, nil
}

// Usage lists the agent's flags, for `concord agent -h`. The Consul flags
// that are accepted but ignored are left out.
func Usage() string {
	var buf bytes.Buffer
	fs := newFlagSet(&flagResult{}, false)
	fs.SetOutput(&buf)
	fs.PrintDefaults()
	return buf.String()
}

// newFlagSet defines the agent's flags over r; consulOnly adds the Consul
// flags that concord accepts but ignores.
func newFlagSet(r *flagResult, consulOnly bool) *flag.FlagSet {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	p := &r.p
	str := func(dst **string, name, usage string, check func(string) error) {
		fs.Var(stringValue{dst, check}, name, usage)
	}
	boolean := func(dst **bool, name, usage string) { fs.Var(boolValue{dst}, name, usage) }
	integer := func(dst **int, name, usage string, check func(int) error) {
		fs.Var(intValue{dst, check}, name, usage)
	}
	list := func(dst *[]string, name, usage string) { fs.Var(listValue{dst}, name, usage) }
	port := func(dst **int, name, what string) {
		integer(dst, name, "The "+what+" `port`; -1 disables it.", checkPort)
	}
	ip := func(s string) error {
		if checkIP("address", s) != nil {
			return errors.New("expected an IP address")
		}
		return nil
	}

	boolean(&p.Server, "server", "Run the agent as a server.")
	boolean(&p.Bootstrap, "bootstrap", "Let this server elect itself leader without peers (one server only).")
	integer(&p.BootstrapExpect, "bootstrap-expect", "Wait for this `number` of servers before bootstrapping the cluster.", atLeast(0))
	boolean(&p.DevMode, "dev", "Run an in-memory development server: not for production.")
	str(&p.DataDir, "data-dir", "The `path` where the agent keeps its state.", nil)
	str(&p.Datacenter, "datacenter", "The `name` of the agent's datacenter.", checkDatacenter)
	str(&p.NodeName, "node", "The node `name`; defaults to the host name.", nil)
	str(&p.NodeID, "node-id", "The node's `UUID`.", checkNodeID)
	str(&p.BindAddr, "bind", "The `address` the cluster listeners bind to.", ip)
	str(&p.AdvertiseAddr, "advertise", "The `address` advertised to other agents.", ip)
	str(&p.ClientAddr, "client", "The space-separated `addresses` the HTTP and DNS interfaces bind to.", checkClientFlag)
	list(&p.StartJoin, "join", "An `address` to join at start; repeatable.")
	list(&p.RetryJoin, "retry-join", "An `address` to join, retried until it works; repeatable.")
	fs.Var(durationValue{&p.RetryInterval}, "retry-interval", "The `duration` between -retry-join attempts.")
	integer(&p.RetryMax, "retry-max", "The `number` of -retry-join attempts; 0 retries forever.", atLeast(0))
	str(&p.AdvertiseAddrWAN, "advertise-wan", "The `address` advertised to other datacenters' servers.", ip)
	list(&p.StartJoinWAN, "join-wan", "A server `address` of the WAN pool to join at start; repeatable (servers only).")
	list(&p.RetryJoinWAN, "retry-join-wan", "A WAN `address` to join, retried until it works; repeatable (servers only).")
	fs.Var(durationValue{&p.RetryIntervalWAN}, "retry-interval-wan", "The `duration` between -retry-join-wan attempts.")
	integer(&p.RetryMaxWAN, "retry-max-wan", "The `number` of -retry-join-wan attempts; 0 retries forever.", atLeast(0))
	port(&p.Ports.HTTP, "http-port", "HTTP API")
	port(&p.Ports.HTTPS, "https-port", "HTTPS API")
	port(&p.Ports.DNS, "dns-port", "DNS")
	port(&p.Ports.SerfLAN, "serf-lan-port", "LAN gossip")
	port(&p.Ports.SerfWAN, "serf-wan-port", "WAN gossip")
	port(&p.Ports.Server, "server-port", "server RPC")
	boolean(&p.UIConfigEnabled, "ui", "Serve the web UI.")
	str(&p.LogLevel, "log-level", "The `level`: trace, debug, info, warn or error.", func(s string) error {
		_, err := checkLogLevel(s)
		return err
	})
	boolean(&p.LogJSON, "log-json", "Log in JSON.")
	boolean(&p.EnableSyslog, "syslog", "Log to syslog too.")
	fs.Var(pathsValue{&r.paths}, "config-file", "A JSON or YAML config `file`; repeatable.")
	fs.Var(pathsValue{&r.paths}, "config-dir", "A `directory` whose .json, .yaml and .yml files are read; repeatable.")
	fs.Var(formatValue{&r.format}, "config-format", "The `format` (json or yaml) of -config-file files whose extension says none.")
	str(&p.Domain, "domain", "The DNS `domain` served.", nil)
	str(&p.AltDomain, "alt-domain", "A second DNS `domain` served like -domain.", nil)
	list(&p.Recursors, "recursor", "An upstream DNS server `address`; repeatable.")
	str(&p.EncryptKey, "encrypt", "The base64 gossip encryption `key`.", checkEncryptKey)
	boolean(&p.EnableScriptChecks, "enable-script-checks", "Run script checks, including ones registered over HTTP.")
	boolean(&p.EnableLocalScriptChecks, "enable-local-script-checks", "Run script checks from config files only.")
	fs.Var(metaValue{&p.NodeMeta}, "node-meta", "A node metadata `key:value` pair; repeatable.")
	integer(&p.RaftProtocol, "raft-protocol", "The Raft protocol `version`; only 3 is supported.", checkRaftProtocol)
	if !consulOnly {
		return fs
	}
	fs.Var(hclValue{}, "hcl", "Not supported: put the settings in a JSON or YAML file.")
	for _, name := range consulOnlyFlags() {
		fs.Var(ignoredValue{name, &r.warnings, false}, name, "Consul's flag; accepted but not supported yet.")
	}
	for _, name := range consulOnlyBoolFlags() {
		fs.Var(ignoredValue{name, &r.warnings, true}, name, "Consul's flag; accepted but not supported yet.")
	}
	return fs
}

// consulOnlyFlags are Consul agent flags taking a value that concord
// accepts with a warning.
func consulOnlyFlags() []string {
	return []string{"default-query-time",
		"grpc-port", "grpc-tls-port", "log-file",
		"log-rotate-bytes", "log-rotate-duration", "log-rotate-max-files",
		"max-query-time", "pid-file", "primary-gateway", "protocol",
		"segment",
		"serf-lan-allowed-cidrs", "serf-lan-bind", "serf-wan-allowed-cidrs",
		"serf-wan-bind", "ui-content-path", "ui-dir"}
}

// consulOnlyBoolFlags are Consul agent switches that concord accepts with
// a warning.
func consulOnlyBoolFlags() []string {
	return []string{"auto-reload-config", "disable-host-node-id",
		"disable-keyring-file", "non-voting-server", "rejoin"}
}

func atLeast(n int) func(int) error {
	return func(v int) error {
		if v < n {
			return fmt.Errorf("must be %d or more", n)
		}
		return nil
	}
}

func checkClientFlag(s string) error {
	return errors.Join(checkListenAddrs("client address", strings.Fields(s))...)
}

type stringValue struct {
	dst   **string
	check func(string) error
}

func (v stringValue) String() string {
	if v.dst == nil || *v.dst == nil {
		return ""
	}
	return **v.dst
}

func (v stringValue) Set(s string) error {
	if v.check != nil {
		if err := v.check(s); err != nil {
			return err
		}
	}
	*v.dst = &s
	return nil
}

type boolValue struct{ dst **bool }

func (v boolValue) IsBoolFlag() bool { return true }

func (v boolValue) String() string {
	if v.dst == nil || *v.dst == nil {
		return ""
	}
	return strconv.FormatBool(**v.dst)
}

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("expected true or false")
	}
	*v.dst = &b
	return nil
}

type intValue struct {
	dst   **int
	check func(int) error
}

func (v intValue) String() string {
	if v.dst == nil || *v.dst == nil {
		return ""
	}
	return strconv.Itoa(**v.dst)
}

func (v intValue) Set(s string) error {
	i, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("expected an integer")
	}
	if v.check != nil {
		if err := v.check(i); err != nil {
			return err
		}
	}
	*v.dst = &i
	return nil
}

type durationValue struct{ dst **time.Duration }

func (v durationValue) String() string {
	if v.dst == nil || *v.dst == nil {
		return ""
	}
	return (**v.dst).String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return errors.New(`expected a positive duration such as "30s" or "1m"`)
	}
	*v.dst = &d
	return nil
}

// listValue appends each use of a repeatable flag.
type listValue struct{ dst *[]string }

func (v listValue) String() string {
	if v.dst == nil {
		return ""
	}
	return strings.Join(*v.dst, ",")
}

func (v listValue) Set(s string) error {
	*v.dst = append(*v.dst, s)
	return nil
}

// pathsValue keeps -config-file and -config-dir paths in one ordered list.
type pathsValue struct{ dst *[]string }

func (v pathsValue) String() string { return listValue(v).String() }

func (v pathsValue) Set(s string) error {
	if s == "" {
		return errors.New("expected a path")
	}
	*v.dst = append(*v.dst, s)
	return nil
}

type formatValue struct{ dst *string }

func (v formatValue) String() string {
	if v.dst == nil {
		return ""
	}
	return *v.dst
}

func (v formatValue) Set(s string) error {
	switch strings.ToLower(s) {
	case "json":
		*v.dst = formatJSON
	case "yaml", "yml":
		*v.dst = formatYAML
	case "hcl":
		return errors.New(hclNotSupported)
	default:
		return errors.New("expected json or yaml")
	}
	return nil
}

// metaValue parses "key:value" (a missing value is empty, as in Consul).
type metaValue struct{ dst *map[string]string }

func (v metaValue) String() string { return "" }

func (v metaValue) Set(s string) error {
	key, value, _ := strings.Cut(s, ":")
	if key == "" {
		return errors.New("expected key:value")
	}
	if *v.dst == nil {
		*v.dst = map[string]string{}
	}
	(*v.dst)[key] = value
	return nil
}

type hclValue struct{}

func (hclValue) String() string { return "" }

func (hclValue) Set(string) error { return errors.New(hclNotSupported) }

// ignoredValue accepts a Consul flag concord does not implement yet.
type ignoredValue struct {
	name     string
	warnings *[]string
	isBool   bool
}

func (v ignoredValue) IsBoolFlag() bool { return v.isBool }

func (v ignoredValue) String() string { return "" }

func (v ignoredValue) Set(string) error {
	*v.warnings = append(*v.warnings, fmt.Sprintf("flag -%s is not supported yet and is ignored", v.name))
	return nil
}
