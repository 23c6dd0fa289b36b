package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// CertSigner signs client agents' certificates for auto_encrypt. The
// agent's TLS configurator is one; it holds the CA key. Safe for
// concurrent use.
type CertSigner interface {
	// SignClientCSR signs a PEM certificate signing request for a client
	// agent of this datacenter, valid for ttl (a default when 0), and
	// returns the certificate, the CA certificates and the expiry.
	SignClientCSR(csrPEM string, ttl time.Duration) (certPEM string, caPEMs []string, notAfter time.Time, err error)
}

var errAutoEncryptOff = errors.New("auto_encrypt.allow_tls is not enabled on this server: it does not sign client certificates")

// autoEncryptSign signs a client agent's certificate. Any server answers,
// without the leader: each holds the CA key and nothing is replicated.
// With ACLs on, the agent's token needs node:write on its node, as for
// registering the node. The certificate is for client authentication
// only and can never pass as a server's (see tls.SignClientCSR).
func (s *Server) autoEncryptSign(ctx context.Context, args *catalog.AutoEncryptSignRequest, reply *catalog.AutoEncryptSignReply) error {
	if !s.cfg.AutoEncryptAllowTLS || s.signer == nil {
		return errAutoEncryptOff
	}
	if !s.router.IsLocal(args.Datacenter) {
		// A certificate is signed for this datacenter's agents only.
		return fmt.Errorf("%w %q: auto_encrypt signs for datacenter %q only", catalog.ErrUnknownDC, args.Datacenter, s.cfg.Datacenter)
	}
	if args.Node == "" {
		return catalog.BadRequestf("auto_encrypt: the node name is required")
	}
	authz, err := s.authorize(args.Token)
	if err != nil {
		return err
	}
	if !authz.NodeWrite(args.Node) {
		return catalog.ErrPermissionDenied
	}
	cert, cas, notAfter, err := s.signer.SignClientCSR(args.CSR, s.cfg.AutoEncryptCertTTL)
	if err != nil {
		return catalog.BadRequestf("auto_encrypt: " + err.Error())
	}
	s.logger.Info("signed a client agent certificate (auto_encrypt)", "node", args.Node, "expires", notAfter.UTC().Format(time.RFC3339))
	reply.CertPEM, reply.CAPEMs, reply.NotAfter = cert, cas, notAfter
	return nil
}
