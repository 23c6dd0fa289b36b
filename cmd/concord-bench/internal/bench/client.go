package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// TLSConfig mirrors the Consul CLI's TLS flags.
type TLSConfig struct {
	CAFile     string
	CertFile   string
	KeyFile    string
	ServerName string
	Insecure   bool
}

func (t TLSConfig) enabled() bool {
	return t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != "" || t.Insecure
}

// ParseAddrs splits a comma-separated -addr into base URLs. An address
// without a scheme gets https:// when useTLS is set, else http://.
func ParseAddrs(s string, useTLS bool) ([]string, error) {
	var out []string
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if !strings.Contains(a, "://") {
			scheme := "http://"
			if useTLS {
				scheme = "https://"
			}
			a = scheme + a
		}
		u, err := url.Parse(a)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("bad address %q: want [http[s]://]host:port", a)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no address in %q", s)
	}
	return out, nil
}

// NewHTTPClient builds a client for conns concurrent connections: HTTP/1.1
// (one connection per in-flight request, as many as asked: no per-host
// cap, that many idle connections kept), no compression, no overall
// timeout (requests carry their own deadlines; blocking queries are long).
func NewHTTPClient(t TLSConfig, conns int) (*http.Client, error) {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   max(conns, 2),
		MaxConnsPerHost:       0,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 0,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
	}
	if t.enabled() {
		cfg, err := tlsClientConfig(t)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = cfg
	}
	return &http.Client{Transport: tr}, nil
}

func tlsClientConfig(t TLSConfig) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.Insecure, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("-ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-ca-file %s: no PEM certificate in it", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, fmt.Errorf("-client-cert and -client-key go together")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// httpClient returns o.HTTPClient or a new one sized for conns.
func (o *Options) httpClient(conns int) (*http.Client, error) {
	if o.HTTPClient != nil {
		return o.HTTPClient, nil
	}
	return NewHTTPClient(o.TLS, conns)
}

// endpoint is one agent address seen through a shared client.
type endpoint struct {
	base  string
	token string
	dc    string // ?dc= on every request when set
	hc    *http.Client
}

// response is what the load needs of an HTTP answer.
type response struct {
	status int
	body   []byte
	header http.Header
}

// statusError is a non-2xx answer; its text leaves out the key so that
// identical failures collapse into one error sample.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	b := strings.TrimSpace(e.body)
	if len(b) > 120 {
		b = b[:120] + "..."
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, b)
}

// do sends one request and reads the whole body (so the connection is
// reused). path is the escaped path; query may be empty.
func (e *endpoint) do(ctx context.Context, method, path, query string, body []byte) (*response, error) {
	if e.dc != "" {
		dc := "dc=" + url.QueryEscape(e.dc)
		if query == "" {
			query = dc
		} else {
			query += "&" + dc
		}
	}
	u := e.base + path
	if query != "" {
		u += "?" + query
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if e.token != "" {
		req.Header.Set("X-Consul-Token", e.token)
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, plainError(method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, plainError(method, err)
	}
	return &response{status: resp.StatusCode, body: b, header: resp.Header}, nil
}

// plainError strips the URL (which names the key) from transport errors.
func plainError(method string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", method, ue.Err)
	}
	return fmt.Errorf("%s: %w", method, err)
}

// putTrue sends a write that Consul acknowledges with 200 and `true`.
func (e *endpoint) putTrue(ctx context.Context, path, query string, body []byte) error {
	r, err := e.do(ctx, http.MethodPut, path, query, body)
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return &statusError{r.status, string(r.body)}
	}
	if strings.TrimSpace(string(r.body)) != "true" {
		return fmt.Errorf("write not applied: answered %q", strings.TrimSpace(string(r.body)))
	}
	return nil
}

// kvPath escapes a key for /v1/kv/KEY, keeping its slashes.
func kvPath(key string) string {
	return "/v1/kv/" + (&url.URL{Path: key}).EscapedPath()
}
