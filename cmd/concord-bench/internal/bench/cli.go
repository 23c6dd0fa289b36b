package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand: its flags and its run function.
type command struct {
	name, synopsis string
	flags          func(*flag.FlagSet, *Options)
	run            func(context.Context, Options) (*Report, error)
}

var commands = []command{
	{"kv-put", "PUT /v1/kv/KEY from -clients writers (200 + `true` is success)", kvPutFlags, RunKVPut},
	{"kv-get", "GET /v1/kv/KEY at random over a pre-populated keyspace", kvGetFlags, RunKVGet},
	{"watch", "fan-out time of one write to -watchers parked blocking queries", watchFlags, RunWatch},
	{"register", "catalog register + deregister cycles (PUT /v1/catalog/...); an -agent mode\n" +
		"             through /v1/agent/service/register is planned", registerFlags, RunRegister},
	{"failover", "steady writes while a server is killed: unavailability, lost acked writes", failoverFlags, RunFailover},
	{"health", "GET /v1/health/service/S?passing over -instances (and -others) registered instances;\n" +
		"             -blocking: watcher wake-up after a check flip", healthFlags, RunHealth},
	{"dns", "QTYPE queries for -name over UDP to -dns-addr from -clients sockets, after registering\n" +
		"             -instances (and -others) instances through the HTTP API", dnsFlags, RunDNS},
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: concord-bench <subcommand> [flags]

A load generator for any Consul-compatible HTTP API (concord, Consul).

Subcommands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.synopsis)
	}
	fmt.Fprint(w, `
Common flags: -addr (comma-separated: clients spread round-robin), -token, -dc,
-clients, -duration, -count (stop at whichever comes first), -timeout,
-json, -progress, -dns-addr, and the TLS flags -ca-file -client-cert
-client-key -tls-server-name -insecure. CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN,
CONSUL_HTTP_SSL, CONSUL_HTTP_SSL_VERIFY, CONSUL_CACERT, CONSUL_CLIENT_CERT,
CONSUL_CLIENT_KEY and CONSUL_TLS_SERVER_NAME give their defaults.
Run 'concord-bench <subcommand> -h' for every flag.

Latency percentiles come from a log-bucket histogram (error below 0.4%);
watch's fan-out percentiles are exact.
`)
}

// Main runs the command line and returns the exit status: 0 success, 1
// a failed run (or lost writes), 2 a usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, os.Getenv, stdout, stderr)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == args[0] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "concord-bench: unknown subcommand %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	o := DefaultOptions()
	fs := flag.NewFlagSet("concord-bench "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: concord-bench %s [flags]\n\n%s\n\nFlags:\n", cmd.name, cmd.synopsis)
		fs.PrintDefaults()
	}
	cf := commonFlags(fs, &o, getenv)
	cmd.flags(fs, &o)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "concord-bench %s: unexpected arguments %q\n", cmd.name, fs.Args())
		return 2
	}
	if err := cf.apply(&o, getenv); err != nil {
		fmt.Fprintf(stderr, "concord-bench %s: %v\n", cmd.name, err)
		return 2
	}
	if cf.progress {
		o.Progress = stderr
	}
	rep, err := cmd.run(ctx, o)
	if rep != nil {
		if cf.json {
			rep.WriteJSON(stdout)
		} else {
			rep.WriteText(stdout)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "concord-bench %s: %v\n", cmd.name, err)
		return 1
	}
	if rep.Failover != nil && rep.Failover.Lost != 0 {
		fmt.Fprintf(stderr, "concord-bench failover: %d acknowledged writes lost\n", rep.Failover.Lost)
		return 1
	}
	return 0
}

// commonValues holds flags that need work after parsing.
type commonValues struct {
	addr     string
	json     bool
	progress bool
}

func commonFlags(fs *flag.FlagSet, o *Options, getenv func(string) string) *commonValues {
	cf := &commonValues{addr: "http://127.0.0.1:8500", progress: true}
	if v := getenv("CONSUL_HTTP_ADDR"); v != "" {
		cf.addr = v
	}
	o.Token = getenv("CONSUL_HTTP_TOKEN")
	o.TLS = TLSConfig{CAFile: getenv("CONSUL_CACERT"), CertFile: getenv("CONSUL_CLIENT_CERT"),
		KeyFile: getenv("CONSUL_CLIENT_KEY"), ServerName: getenv("CONSUL_TLS_SERVER_NAME"),
		Insecure: strings.EqualFold(getenv("CONSUL_HTTP_SSL_VERIFY"), "false")}
	fs.StringVar(&cf.addr, "addr", cf.addr, "HTTP API address(es), comma-separated; env CONSUL_HTTP_ADDR")
	fs.StringVar(&o.DNSAddr, "dns-addr", o.DNSAddr, "DNS address (UDP) for the dns subcommand")
	fs.StringVar(&o.Token, "token", o.Token, "ACL token (X-Consul-Token); env CONSUL_HTTP_TOKEN")
	fs.StringVar(&o.Datacenter, "dc", o.Datacenter, "datacenter sent as ?dc= on every HTTP request (default: the agent's own)")
	fs.IntVar(&o.Clients, "clients", o.Clients, "concurrent clients, each with its own connection")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "run for this long (0: until -count)")
	fs.Int64Var(&o.Count, "count", o.Count, "stop after this many ops (0: until -duration)")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "per-request timeout")
	fs.BoolVar(&cf.json, "json", false, "print the result as one JSON object on stdout")
	fs.BoolVar(&cf.progress, "progress", cf.progress, "progress line on stderr")
	fs.StringVar(&o.TLS.CAFile, "ca-file", o.TLS.CAFile, "CA certificate to verify the agent; env CONSUL_CACERT")
	fs.StringVar(&o.TLS.CertFile, "client-cert", o.TLS.CertFile, "client certificate; env CONSUL_CLIENT_CERT")
	fs.StringVar(&o.TLS.KeyFile, "client-key", o.TLS.KeyFile, "client key; env CONSUL_CLIENT_KEY")
	fs.StringVar(&o.TLS.ServerName, "tls-server-name", o.TLS.ServerName, "server name to verify; env CONSUL_TLS_SERVER_NAME")
	fs.BoolVar(&o.TLS.Insecure, "insecure", o.TLS.Insecure, "skip certificate verification; env CONSUL_HTTP_SSL_VERIFY=false")
	return cf
}

// apply turns the parsed address list into base URLs.
func (cf *commonValues) apply(o *Options, getenv func(string) string) error {
	useTLS := o.TLS.enabled() || strings.EqualFold(getenv("CONSUL_HTTP_SSL"), "true")
	addrs, err := ParseAddrs(cf.addr, useTLS)
	if err != nil {
		return err
	}
	o.Addrs = addrs
	return nil
}
