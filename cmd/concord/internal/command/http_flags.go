package command

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"
)

// The environment variables Consul's CLI reads (the names api uses).
const (
	envAddr       = "CONSUL_HTTP_ADDR"
	envToken      = "CONSUL_HTTP_TOKEN"
	envTokenFile  = "CONSUL_HTTP_TOKEN_FILE"
	envAuth       = "CONSUL_HTTP_AUTH"
	envSSL        = "CONSUL_HTTP_SSL"
	envSSLVerify  = "CONSUL_HTTP_SSL_VERIFY"
	envCACert     = "CONSUL_CACERT"
	envCAPath     = "CONSUL_CAPATH"
	envClientCert = "CONSUL_CLIENT_CERT"
	envClientKey  = "CONSUL_CLIENT_KEY"
	envServerName = "CONSUL_TLS_SERVER_NAME"

	defaultHTTPAddr = "127.0.0.1:8500"
)

// httpFlagNames are the shared flags, listed under "HTTP API Options".
var httpFlagNames = map[string]bool{
	"http-addr": true, "token": true, "token-file": true, "ca-file": true,
	"ca-path": true, "client-cert": true, "client-key": true,
	"tls-server-name": true, "datacenter": true, "stale": true,
}

// optString is a string flag that remembers whether it was given, so an
// unset flag falls back to the environment.
type optString struct {
	v   string
	set bool
}

func (o *optString) String() string { return o.v }

func (o *optString) Set(s string) error {
	o.v, o.set = s, true
	return nil
}

// pick is the flag's value if given, else the environment's.
func (o *optString) pick(env string) string {
	if o.set {
		return o.v
	}
	return env
}

// httpFlags are the flags every verb that talks to an agent shares.
type httpFlags struct {
	addr, token, tokenFile            optString
	caFile, caPath, certFile, keyFile optString
	serverName, datacenter            optString
	stale                             bool
}

// clientFlags registers Consul's client flags (address, token, TLS) on fs.
func clientFlags(fs *flag.FlagSet) *httpFlags {
	h := &httpFlags{}
	fs.Var(&h.addr, "http-addr", "The `address` and port of the concord HTTP agent. "+
		"The value can be an IP address or DNS address, but it must also include "+
		"the port. It may start with http://, https:// or unix://. This can also be "+
		"specified via the CONSUL_HTTP_ADDR environment variable. The default value "+
		"is http://127.0.0.1:8500. The scheme can also be set to HTTPS by setting "+
		"the environment variable CONSUL_HTTP_SSL=true.")
	fs.Var(&h.token, "token", "ACL token to use in the request. This can also be "+
		"specified via the CONSUL_HTTP_TOKEN environment variable. If unspecified, "+
		"the query will default to the token of the agent at the HTTP address.")
	fs.Var(&h.tokenFile, "token-file", "File containing the ACL token to use in "+
		"the request instead of one specified via the -token argument or "+
		"CONSUL_HTTP_TOKEN environment variable. This can also be specified via "+
		"the CONSUL_HTTP_TOKEN_FILE environment variable.")
	fs.Var(&h.caFile, "ca-file", "Path to a CA file to use for TLS when "+
		"communicating with the agent. This can also be specified via the "+
		"CONSUL_CACERT environment variable.")
	fs.Var(&h.caPath, "ca-path", "Path to a directory of CA certificates to use "+
		"for TLS when communicating with the agent. This can also be specified via "+
		"the CONSUL_CAPATH environment variable.")
	fs.Var(&h.certFile, "client-cert", "Path to a client cert file to use for TLS "+
		"when 'verify_incoming' is enabled. This can also be specified via the "+
		"CONSUL_CLIENT_CERT environment variable.")
	fs.Var(&h.keyFile, "client-key", "Path to a client key file to use for TLS "+
		"when 'verify_incoming' is enabled. This can also be specified via the "+
		"CONSUL_CLIENT_KEY environment variable.")
	fs.Var(&h.serverName, "tls-server-name", "The server name to use as the SNI "+
		"host when connecting via TLS. This can also be specified via the "+
		"CONSUL_TLS_SERVER_NAME environment variable.")
	return h
}

// serverFlags registers the client flags plus Consul's server flags
// (-datacenter, -stale).
func serverFlags(fs *flag.FlagSet) *httpFlags {
	h := clientFlags(fs)
	fs.Var(&h.datacenter, "datacenter", "Name of the datacenter to query. If "+
		"unspecified, this will default to the datacenter of the queried agent.")
	fs.BoolVar(&h.stale, "stale", false, "Permit any server (non-leader) to "+
		"respond to this request. This allows for lower latency and higher "+
		"throughput, but can result in stale data. This option has no effect on "+
		"non-read operations. The default value is false.")
	return h
}

// query is the read options the flags ask for.
func (h *httpFlags) query() *api.QueryOptions {
	return &api.QueryOptions{AllowStale: h.stale}
}

// config builds the api.Config from the flags and, where a flag is unset,
// from the environment as getenv reports it. Nothing is read from the
// process environment here.
func (h *httpFlags) config(getenv func(string) string) (*api.Config, error) {
	cfg := &api.Config{
		Address:    h.addr.pick(getenv(envAddr)),
		Scheme:     "http",
		Datacenter: h.datacenter.v,
	}
	if cfg.Address == "" {
		cfg.Address = defaultHTTPAddr
	}
	if v := getenv(envSSL); v != "" {
		if on, err := strconv.ParseBool(v); err == nil && on {
			cfg.Scheme = "https"
		}
	}
	if v := getenv(envAuth); v != "" {
		user, pass, _ := strings.Cut(v, ":")
		cfg.HttpAuth = &api.HttpBasicAuth{Username: user, Password: pass}
	}
	cfg.TLSConfig = api.TLSConfig{
		Address:  h.serverName.pick(getenv(envServerName)),
		CAFile:   h.caFile.pick(getenv(envCACert)),
		CAPath:   h.caPath.pick(getenv(envCAPath)),
		CertFile: h.certFile.pick(getenv(envClientCert)),
		KeyFile:  h.keyFile.pick(getenv(envClientKey)),
	}
	if v := getenv(envSSLVerify); v != "" {
		if verify, err := strconv.ParseBool(v); err == nil && !verify {
			cfg.TLSConfig.InsecureSkipVerify = true
		}
	}

	// Token precedence as Consul's: -token-file, -token,
	// CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_TOKEN.
	switch {
	case h.tokenFile.set:
		tok, err := readToken(h.tokenFile.v)
		if err != nil {
			return nil, err
		}
		cfg.Token = tok
	case h.token.set:
		cfg.Token = h.token.v
	case getenv(envTokenFile) != "":
		tok, err := readToken(getenv(envTokenFile))
		if err != nil {
			return nil, err
		}
		cfg.Token = tok
	default:
		cfg.Token = getenv(envToken)
	}

	hc, err := api.NewHttpClient(newTransport(), cfg.TLSConfig)
	if err != nil {
		return nil, err
	}
	cfg.HttpClient = hc
	return cfg, nil
}

// newTransport is a fresh transport for one client. It is never
// http.DefaultTransport (or a clone of it): once used, that one carries a
// TLS config of its own, and api.NewHttpClient would then skip ours.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

func readToken(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("Error loading token file %s : %s", path, err)
	}
	return strings.TrimSpace(string(data)), nil
}

// client is the API client for the flags and environment.
func (h *httpFlags) client(getenv func(string) string) (*api.Client, error) {
	cfg, err := h.config(getenv)
	if err != nil {
		return nil, err
	}
	return api.NewClient(cfg)
}

// connect builds the client or reports Consul's connection error; ok is
// false when the verb should exit 1.
func (c *cli) connect(h *httpFlags) (*api.Client, bool) {
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error connecting to concord agent: %s", err)
		return nil, false
	}
	return client, true
}
