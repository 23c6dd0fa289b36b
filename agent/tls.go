package agent

import (
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/catalog"
	ctls "github.com/concord-dev/concord/tls"
)

// tlsConfigs maps the agent's tls {} scopes onto the tls package's.
func tlsConfigs(cfg *config.Config) (internalRPC, https ctls.Config) {
	scope := func(s config.TLSScope) ctls.Config {
		return ctls.Config{
			CAFile: s.CAFile, CAPath: s.CAPath, CertFile: s.CertFile, KeyFile: s.KeyFile,
			VerifyIncoming: s.VerifyIncoming, VerifyOutgoing: s.VerifyOutgoing,
			VerifyServerHostname: s.VerifyServerHostname, MinVersion: s.MinVersion,
			ServerName: cfg.ServerName, Datacenter: cfg.Datacenter, Domain: cfg.Domain,
		}
	}
	internalRPC = scope(cfg.TLS.InternalRPC)
	if cfg.Server && cfg.AutoEncrypt.AllowTLS {
		internalRPC.AutoEncryptAllowTLS = true
		internalRPC.CAKeyFile = cfg.TLS.InternalRPC.CAKeyFile
	}
	internalRPC.AutoEncrypt = autoEncryptClient(cfg)
	return internalRPC, scope(cfg.TLS.HTTPS)
}

// autoEncryptClient reports whether this agent gets its server-port
// certificate from the servers: a client with auto_encrypt.tls and no
// certificate file of its own (a file wins, as in Consul).
func autoEncryptClient(cfg *config.Config) bool {
	return !cfg.Server && cfg.AutoEncrypt.TLS && cfg.TLS.InternalRPC.CertFile == ""
}

// newTLS loads the certificates the configuration names. With none it
// returns a Configurator that keeps everything in plaintext.
func newTLS(cfg *config.Config) (*ctls.Configurator, error) {
	return ctls.New(tlsConfigs(cfg))
}

// reloadTLS re-reads the certificate, key and CA files (SIGHUP, or
// /v1/agent/reload): new handshakes use them, established connections
// keep theirs. On error the running certificates stay.
func (a *Agent) reloadTLS(cfg *config.Config) error {
	if err := a.tls.Reload(tlsConfigs(cfg)); err != nil {
		a.logger.Error("reload: TLS certificates not reloaded; keeping the running ones", "error", err)
		return catalog.BadRequestf("reload failed, the running configuration is kept: " + err.Error())
	}
	a.cfg.TLS = cfg.TLS
	return nil
}
