package tls

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Config is one scope of the tls {} configuration (internal_rpc or https),
// with tls.defaults already applied by the caller.
type Config struct {
	// CAFile is a PEM file of CA certificates; CAPath a directory of them.
	CAFile, CAPath string
	// CertFile and KeyFile are this agent's certificate and its key, PEM.
	CertFile, KeyFile string

	// VerifyIncoming requires peers dialing in to present a certificate
	// signed by the CA.
	VerifyIncoming bool
	// VerifyOutgoing makes outgoing connections use TLS and verify the
	// peer's certificate against the CA.
	VerifyOutgoing bool
	// VerifyServerHostname (internal_rpc) requires a server's certificate
	// to be valid for server.<datacenter>.<domain>; it implies
	// VerifyOutgoing.
	VerifyServerHostname bool

	// MinVersion is "TLSv1_2" (the default, also spelled "tls12") or
	// "TLSv1_3" ("tls13").
	MinVersion string
	// ServerName is the name this agent's certificate is for (server_name);
	// informational today.
	ServerName string

	// Datacenter and Domain (with or without the trailing dot) build the
	// name a server certificate must carry.
	Datacenter, Domain string

	// AutoEncrypt (internal_rpc, client agents: auto_encrypt.tls) means
	// this agent's certificate comes from the servers through
	// SetAutoCertificate, not from CertFile; it needs a CA to verify the
	// servers with.
	AutoEncrypt bool
	// AutoEncryptAllowTLS (internal_rpc, servers: auto_encrypt.allow_tls)
	// lets a client without a certificate complete the handshake even
	// with VerifyIncoming, so that it can ask for one. The RPC layer then
	// allows such a connection nothing else (see VerifyIncomingRPC).
	AutoEncryptAllowTLS bool
	// CAKeyFile (internal_rpc) is the CA's private key, PEM, with which a
	// server signs client agents' certificates; the CA's certificate must
	// be in CAFile or CAPath.
	CAKeyFile string
}

// ParseMinVersion maps a tls_min_version value to crypto/tls's constant;
// "" is TLS 1.2.
func ParseMinVersion(s string) (uint16, error) {
	switch strings.ToLower(s) {
	case "", "tls12", "tlsv1_2":
		return tls.VersionTLS12, nil
	case "tls13", "tlsv1_3":
		return tls.VersionTLS13, nil
	case "tls10", "tls11", "tlsv1_0", "tlsv1_1":
		return 0, fmt.Errorf("tls_min_version %q is not supported: TLS 1.0 and 1.1 are insecure; use \"TLSv1_2\" or \"TLSv1_3\"", s)
	}
	return 0, fmt.Errorf("tls_min_version %q is not one of \"TLSv1_2\", \"TLSv1_3\"", s)
}

// domainName is the DNS domain without its trailing dot; "consul" when
// empty.
func domainName(d string) string {
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return "consul"
	}
	return d
}

// ServerHostname is the name a server certificate of datacenter dc must be
// valid for: server.<dc>.<domain>.
func ServerHostname(dc, domain string) string {
	return "server." + dc + "." + domainName(domain)
}

// check reports settings that cannot work, naming what to set.
func (c Config) check(scope string) error {
	var errs []error
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, fmt.Errorf("tls.%s: cert_file and key_file must be set together", scope))
	}
	noCA := c.CAFile == "" && c.CAPath == ""
	if c.VerifyIncoming && noCA {
		errs = append(errs, fmt.Errorf("tls.%s: verify_incoming needs a CA to verify against; set ca_file or ca_path", scope))
	}
	if (c.VerifyOutgoing || c.VerifyServerHostname) && noCA {
		errs = append(errs, fmt.Errorf("tls.%s: verify_outgoing and verify_server_hostname need a CA to verify against; set ca_file or ca_path", scope))
	}
	if c.VerifyIncoming && c.CertFile == "" && !c.AutoEncrypt {
		errs = append(errs, fmt.Errorf("tls.%s: verify_incoming needs this agent's certificate; set cert_file and key_file", scope))
	}
	if c.AutoEncrypt && noCA {
		errs = append(errs, fmt.Errorf("tls.%s: auto_encrypt.tls needs a CA to verify the servers against; set ca_file or ca_path", scope))
	}
	if c.AutoEncryptAllowTLS && (c.CertFile == "" || noCA) {
		errs = append(errs, fmt.Errorf("tls.%s: auto_encrypt.allow_tls needs the server port to serve TLS; set cert_file, key_file and ca_file", scope))
	}
	if c.AutoEncryptAllowTLS && c.CAKeyFile == "" {
		errs = append(errs, fmt.Errorf("tls.%s: auto_encrypt.allow_tls needs the CA's key to sign client certificates; set tls.internal_rpc.ca_key_file", scope))
	}
	if _, err := ParseMinVersion(c.MinVersion); err != nil {
		errs = append(errs, fmt.Errorf("tls.%s: %w", scope, err))
	}
	return errors.Join(errs...)
}

// loadCAs reads every certificate in file and in the files of dir; nil
// when neither is set.
func loadCAs(file, dir string) (*x509.CertPool, []*x509.Certificate, error) {
	if file == "" && dir == "" {
		return nil, nil, nil
	}
	var certs []*x509.Certificate
	if file != "" {
		got, err := readPEMCerts(file)
		if err != nil {
			return nil, nil, err
		}
		if len(got) == 0 {
			return nil, nil, fmt.Errorf("ca_file %s holds no PEM certificate", file)
		}
		certs = append(certs, got...)
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("ca_path: %w", err)
		}
		total := 0
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			// Files without a certificate (keys, notes) are skipped.
			got, err := readPEMCerts(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, nil, err
			}
			certs = append(certs, got...)
			total += len(got)
		}
		if total == 0 {
			return nil, nil, fmt.Errorf("ca_path %s holds no PEM certificate", dir)
		}
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, certs, nil
}

func readPEMCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA: %w", err)
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return certs, nil
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("CA certificate in %s: %w", path, err)
		}
		certs = append(certs, cert)
	}
}
