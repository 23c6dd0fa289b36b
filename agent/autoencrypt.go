package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"time"

	"github.com/concord-dev/concord/agent/rpc"
	"github.com/concord-dev/concord/catalog"
	ctls "github.com/concord-dev/concord/tls"
)

// errAwaitingCertificate is what a client agent's RPCs fail with until
// the servers have signed its certificate (auto_encrypt.tls).
var errAwaitingCertificate = errors.New("waiting for a certificate from the servers (auto_encrypt): no server has signed this agent's certificate yet")

var errNoServerYet = errors.New("no server known yet")

// Timing of the certificate requests: while gossip knows no server the
// agent looks again every noServerPoll; after a failed request it waits
// from signBackoffMin doubling to signBackoffMax.
const (
	noServerPoll    = 250 * time.Millisecond
	signBackoffMin  = 250 * time.Millisecond
	signBackoffMax  = 30 * time.Second
	signCallTimeout = 10 * time.Second
)

// certlessDialer dials the servers with TLS but presents no certificate:
// the connection on which a client agent asks for its certificate.
// Servers serve only that call on such a connection.
type certlessDialer struct{ tls *ctls.Configurator }

var _ rpc.TLS = certlessDialer{}

func (certlessDialer) RPCRequiresTLS() bool           { return false }
func (certlessDialer) IncomingRPCConfig() *tls.Config { return nil }
func (certlessDialer) VerifyIncomingRPC() bool        { return false }
func (certlessDialer) UseTLS() bool                   { return true }
func (d certlessDialer) OutgoingRPCConfig(dc string) *tls.Config {
	return d.tls.AutoEncryptRPCConfig(dc)
}

// autoEncrypt gets this client agent's certificate from the servers and
// renews it, until the agent shuts down. Until the first one arrives,
// clientRPC fails with errAwaitingCertificate.
func (a *Agent) autoEncrypt() {
	defer a.wg.Done()
	var backoff time.Duration
	for {
		life, err := a.requestCertificate()
		var wait time.Duration
		switch {
		case errors.Is(err, errNoServerYet):
			wait = noServerPoll
		case err != nil:
			backoff = min(max(2*backoff, signBackoffMin), signBackoffMax)
			wait = backoff
			a.logger.Warn("auto_encrypt: certificate request failed; retrying", "error", err, "retry_in", wait)
		default:
			backoff = 0
			wait = renewAfter(life)
		}
		select {
		case <-time.After(wait):
		case <-a.shutdownCh:
			return
		}
	}
}

// renewAfter is when to renew a certificate valid for life: after about
// 80 % of it (75 to 85 %, spread so clients started together do not all
// ask at once), leaving a fifth of its life for retries.
func renewAfter(life time.Duration) time.Duration {
	if life <= 0 {
		return signBackoffMin
	}
	return life*3/4 + time.Duration(rand.Int64N(int64(life/10)+1))
}

// requestCertificate asks one server to sign a new key's certificate and
// installs it; it returns how long the certificate is valid.
func (a *Agent) requestCertificate() (time.Duration, error) {
	addr := a.servers.pick()
	if addr == "" {
		return 0, errNoServerYet
	}
	var ips []net.IP
	for _, s := range a.cfg.AutoEncrypt.IPSAN {
		ips = append(ips, net.ParseIP(s))
	}
	csr, key, err := ctls.GenerateCSR(a.cfg.Datacenter, a.cfg.Domain, a.cfg.AutoEncrypt.DNSSAN, ips)
	if err != nil {
		return 0, err
	}
	token := a.ownToken()
	args := &catalog.AutoEncryptSignRequest{
		WriteRequest: catalog.WriteRequest{Datacenter: a.cfg.Datacenter, Token: token},
		Node:         a.cfg.NodeName,
		CSR:          csr,
	}
	// A pool of its own, closed at once: a connection without a
	// certificate serves nothing but this call, so it must not be kept
	// for the agent's other RPCs.
	pool := rpc.NewPool(rpc.WithTLS(certlessDialer{a.tls}, a.cfg.Datacenter))
	defer pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), signCallTimeout)
	defer cancel()
	go func() {
		select {
		case <-a.shutdownCh:
			cancel()
		case <-ctx.Done():
		}
	}()
	var reply catalog.AutoEncryptSignReply
	if err := pool.Call(ctx, addr, catalog.MethodAutoEncryptSign, args, &reply); err != nil {
		if rpc.IsTransport(err) {
			a.servers.failed(addr)
		}
		return 0, err
	}
	notAfter, err := a.tls.SetAutoCertificate(reply.CertPEM, key)
	if err != nil {
		return 0, err
	}
	a.logger.Info("auto_encrypt: received a certificate from the servers", "server", addr,
		"expires", notAfter.UTC().Format(time.RFC3339))
	return time.Until(notAfter), nil
}

// awaitingCertificate reports whether this client agent still waits for
// its first certificate from the servers.
func (a *Agent) awaitingCertificate() bool {
	return a.autoEncrypting && !a.tls.HasRPCCertificate()
}
