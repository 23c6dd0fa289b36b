package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/concord-dev/concord/catalog"
)

// userAgent is the User-Agent of HTTP checks; Consul's, so services that
// single out health checks in their logs keep doing so.
const userAgent = "Consul Health Check"

// newHTTPProbe requests spec.HTTP: a 2xx answer is passing, 429 Too Many
// Requests warning, anything else or no answer critical. The output is
// Consul's "HTTP GET <url>: 200 OK Output: <body>" with the first
// OutputMaxSize bytes of the body.
//
// Unless client is given, each check has its own transport with
// keep-alives off, so a thousand checks hold no idle connections between
// runs; it uses no proxy, as checks target the services beside the agent.
func newHTTPProbe(spec Spec, client *http.Client) probe {
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			DialContext:       (&net.Dialer{}).DialContext,
			DisableKeepAlives: true,
			TLSClientConfig: &tls.Config{
				InsecureSkipVerify: spec.TLSSkipVerify,
				ServerName:         spec.TLSServerName,
			},
			TLSHandshakeTimeout: spec.Timeout,
			ForceAttemptHTTP2:   true,
		}}
	}
	return func(ctx context.Context) (string, string) {
		var body io.Reader
		if spec.Body != "" {
			body = strings.NewReader(spec.Body)
		}
		req, err := http.NewRequestWithContext(ctx, spec.Method, spec.HTTP, body)
		if err != nil {
			return catalog.HealthCritical, truncate(err.Error(), spec.OutputMaxSize)
		}
		for k, vs := range spec.Header {
			if strings.EqualFold(k, "Host") {
				if len(vs) > 0 {
					req.Host = vs[0]
				}
				continue
			}
			req.Header[http.CanonicalHeaderKey(k)] = vs
		}
		if req.Header.Get("User-Agent") == "" {
			req.Header.Set("User-Agent", userAgent)
		}
		if req.Header.Get("Accept") == "" {
			req.Header.Set("Accept", "text/plain, text/*, */*")
		}
		resp, err := client.Do(req)
		if err != nil {
			return catalog.HealthCritical, truncate(err.Error(), spec.OutputMaxSize)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(io.LimitReader(resp.Body, int64(spec.OutputMaxSize)))
		output := fmt.Sprintf("HTTP %s %s: %s Output: %s", spec.Method, spec.HTTP, resp.Status, out)
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode <= 299:
			return catalog.HealthPassing, output
		case resp.StatusCode == http.StatusTooManyRequests:
			return catalog.HealthWarning, output
		}
		return catalog.HealthCritical, output
	}
}
