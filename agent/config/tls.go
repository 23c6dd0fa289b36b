package config

import (
	"fmt"
	"net"
	"strings"

	ctls "github.com/concord-dev/concord/tls"
)

// TLS is the tls {} configuration, one scope per listener kind, each with
// tls.defaults and Consul's older top-level keys already applied.
type TLS struct {
	// InternalRPC secures the server port (8300).
	InternalRPC TLSScope
	// HTTPS secures the HTTPS API (ports.https).
	HTTPS TLSScope
}

// TLSScope is one scope of tls {}. VerifyServerHostname (internal_rpc
// only) has already turned VerifyOutgoing on.
type TLSScope struct {
	CAFile, CAPath, CertFile, KeyFile string
	// CAKeyFile (internal_rpc only, a concord key) is the CA's private
	// key, with which a server signs auto_encrypt client certificates.
	CAKeyFile string

	VerifyIncoming, VerifyOutgoing, VerifyServerHostname bool
	// MinVersion is tls_min_version as written; "" means TLS 1.2.
	MinVersion string
}

// HasCert reports whether the scope names a certificate.
func (s TLSScope) HasCert() bool { return s.CertFile != "" }

// tlsScopePartial is one scope as one source sets it.
type tlsScopePartial struct {
	CAFile, CAPath, CertFile, KeyFile, MinVersion        *string
	CAKeyFile                                            *string
	VerifyIncoming, VerifyOutgoing, VerifyServerHostname *bool
}

// tlsPartial holds the tls {} block and Consul's older top-level keys,
// which are applied under it: the old keys for every scope (ca_file,
// verify_incoming...) in Legacy, verify_incoming_rpc and
// verify_server_hostname in LegacyRPC, verify_incoming_https in
// LegacyHTTPS.
type tlsPartial struct {
	Defaults, InternalRPC, HTTPS   tlsScopePartial
	Legacy, LegacyRPC, LegacyHTTPS tlsScopePartial
}

func (dst *tlsScopePartial) merge(src *tlsScopePartial) {
	over(&dst.CAFile, src.CAFile)
	over(&dst.CAPath, src.CAPath)
	over(&dst.CertFile, src.CertFile)
	over(&dst.KeyFile, src.KeyFile)
	over(&dst.MinVersion, src.MinVersion)
	over(&dst.CAKeyFile, src.CAKeyFile)
	over(&dst.VerifyIncoming, src.VerifyIncoming)
	over(&dst.VerifyOutgoing, src.VerifyOutgoing)
	over(&dst.VerifyServerHostname, src.VerifyServerHostname)
}

func (dst *tlsPartial) merge(src *tlsPartial) {
	dst.Defaults.merge(&src.Defaults)
	dst.InternalRPC.merge(&src.InternalRPC)
	dst.HTTPS.merge(&src.HTTPS)
	dst.Legacy.merge(&src.Legacy)
	dst.LegacyRPC.merge(&src.LegacyRPC)
	dst.LegacyHTTPS.merge(&src.LegacyHTTPS)
}

// tlsScopeBlock describes tls.defaults, tls.internal_rpc or tls.https.
func tlsScopeBlock(name string, p *tlsScopePartial, rpc bool) setter {
	b := &block{
		name: fmt.Sprintf("%q", name),
		fields: map[string]setter{
			"ca_file":         strField(&p.CAFile),
			"ca_path":         strField(&p.CAPath),
			"cert_file":       strField(&p.CertFile),
			"key_file":        strField(&p.KeyFile),
			"tls_min_version": strField(&p.MinVersion),
			"verify_incoming": boolField(&p.VerifyIncoming),
			"verify_outgoing": boolField(&p.VerifyOutgoing),
		},
		unsupported: []string{"tls_cipher_suites"},
	}
	if rpc {
		b.fields["verify_server_hostname"] = boolField(&p.VerifyServerHostname)
		b.fields["ca_key_file"] = strField(&p.CAKeyFile)
	}
	return blockField(b)
}

// tlsBlock describes the tls {} block.
func tlsBlock(p *tlsPartial) setter {
	return blockField(&block{
		name: `"tls"`,
		fields: map[string]setter{
			"defaults":     tlsScopeBlock("tls.defaults", &p.Defaults, false),
			"internal_rpc": tlsScopeBlock("tls.internal_rpc", &p.InternalRPC, true),
			"https":        tlsScopeBlock("tls.https", &p.HTTPS, false),
		},
		unsupported: []string{"grpc"},
	})
}

// legacyTLSKeys are Consul's older top-level TLS keys.
func legacyTLSKeys(p *tlsPartial) map[string]setter {
	return map[string]setter{
		"ca_file":                strField(&p.Legacy.CAFile),
		"ca_path":                strField(&p.Legacy.CAPath),
		"cert_file":              strField(&p.Legacy.CertFile),
		"key_file":               strField(&p.Legacy.KeyFile),
		"tls_min_version":        strField(&p.Legacy.MinVersion),
		"verify_incoming":        boolField(&p.Legacy.VerifyIncoming),
		"verify_outgoing":        boolField(&p.Legacy.VerifyOutgoing),
		"verify_incoming_rpc":    boolField(&p.LegacyRPC.VerifyIncoming),
		"verify_server_hostname": boolField(&p.LegacyRPC.VerifyServerHostname),
		"verify_incoming_https":  boolField(&p.LegacyHTTPS.VerifyIncoming),
	}
}

// val is *v, or the zero value when v is nil.
func val[T any](v *T) T {
	if v == nil {
		var zero T
		return zero
	}
	return *v
}

// resolveTLSScope lays the layers over each other, the most specific
// (first) winning.
func resolveTLSScope(layers ...*tlsScopePartial) TLSScope {
	var m tlsScopePartial
	for i := len(layers) - 1; i >= 0; i-- {
		m.merge(layers[i])
	}
	s := TLSScope{
		CAFile:               val(m.CAFile),
		CAPath:               val(m.CAPath),
		CertFile:             val(m.CertFile),
		KeyFile:              val(m.KeyFile),
		CAKeyFile:            val(m.CAKeyFile),
		MinVersion:           val(m.MinVersion),
		VerifyIncoming:       val(m.VerifyIncoming),
		VerifyOutgoing:       val(m.VerifyOutgoing),
		VerifyServerHostname: val(m.VerifyServerHostname),
	}
	if s.VerifyServerHostname {
		s.VerifyOutgoing = true
	}
	return s
}

// buildTLS resolves the scopes: a scope's own key wins over tls.defaults,
// which wins over the older top-level keys. It returns a deprecation
// warning for each older key set.
func buildTLS(p *tlsPartial) (TLS, []string) {
	t := TLS{
		InternalRPC: resolveTLSScope(&p.InternalRPC, &p.Defaults, &p.LegacyRPC, &p.Legacy),
		HTTPS:       resolveTLSScope(&p.HTTPS, &p.Defaults, &p.LegacyHTTPS, &p.Legacy),
	}
	var warnings []string
	deprecated := func(set bool, old, replacement string) {
		if set {
			warnings = append(warnings, fmt.Sprintf("the %q key is deprecated; use %q instead", old, replacement))
		}
	}
	deprecated(p.Legacy.CAFile != nil, "ca_file", "tls.defaults.ca_file")
	deprecated(p.Legacy.CAPath != nil, "ca_path", "tls.defaults.ca_path")
	deprecated(p.Legacy.CertFile != nil, "cert_file", "tls.defaults.cert_file")
	deprecated(p.Legacy.KeyFile != nil, "key_file", "tls.defaults.key_file")
	deprecated(p.Legacy.MinVersion != nil, "tls_min_version", "tls.defaults.tls_min_version")
	deprecated(p.Legacy.VerifyIncoming != nil, "verify_incoming", "tls.defaults.verify_incoming")
	deprecated(p.Legacy.VerifyOutgoing != nil, "verify_outgoing", "tls.defaults.verify_outgoing")
	deprecated(p.LegacyRPC.VerifyIncoming != nil, "verify_incoming_rpc", "tls.internal_rpc.verify_incoming")
	deprecated(p.LegacyRPC.VerifyServerHostname != nil, "verify_server_hostname", "tls.internal_rpc.verify_server_hostname")
	deprecated(p.LegacyHTTPS.VerifyIncoming != nil, "verify_incoming_https", "tls.https.verify_incoming")
	return t, warnings
}

// validateTLS reports settings that cannot work, saying what to set.
func validateTLS(c *Config) (warnings []string, errs []error) {
	for _, sc := range []struct {
		name string
		s    TLSScope
	}{{"internal_rpc", c.TLS.InternalRPC}, {"https", c.TLS.HTTPS}} {
		n, s := sc.name, sc.s
		noCA := s.CAFile == "" && s.CAPath == ""
		if s.CertFile != "" && s.KeyFile == "" {
			errs = append(errs, fmt.Errorf("tls.%s: a certificate (cert_file %s) needs its key; set tls.defaults.key_file or tls.%s.key_file", n, s.CertFile, n))
		}
		if s.KeyFile != "" && s.CertFile == "" {
			errs = append(errs, fmt.Errorf("tls.%s: a key (key_file %s) needs its certificate; set tls.defaults.cert_file or tls.%s.cert_file", n, s.KeyFile, n))
		}
		if s.VerifyIncoming && noCA {
			errs = append(errs, fmt.Errorf("tls.%s.verify_incoming needs a CA to verify client certificates; set tls.defaults.ca_file (or ca_path)", n))
		}
		if s.VerifyIncoming && s.CertFile == "" && !(n == "internal_rpc" && c.AutoEncrypt.TLS) {
			errs = append(errs, fmt.Errorf("tls.%s.verify_incoming needs this agent's certificate; set tls.defaults.cert_file and key_file", n))
		}
		if n == "internal_rpc" && s.VerifyOutgoing && noCA {
			what := "verify_outgoing"
			if s.VerifyServerHostname {
				what = "verify_server_hostname"
			}
			errs = append(errs, fmt.Errorf("tls.internal_rpc.%s needs a CA to verify servers' certificates; set tls.defaults.ca_file (or ca_path)", what))
		}
		if _, err := ctls.ParseMinVersion(s.MinVersion); err != nil {
			errs = append(errs, fmt.Errorf("tls.%s: %w", n, err))
		}
	}
	aw, ae := validateAutoEncrypt(c)
	warnings, errs = append(warnings, aw...), append(errs, ae...)
	if c.Ports.HTTPS != -1 && !c.TLS.HTTPS.HasCert() {
		warnings = append(warnings, "ports.https is set but there is no certificate to serve, so the HTTPS API is not started; set tls.https.cert_file and key_file (or tls.defaults.cert_file and key_file)")
	}
	return warnings, errs
}

// autoEncryptPartial is the auto_encrypt {} block as one source sets it.
type autoEncryptPartial struct {
	TLS, AllowTLS *bool
	DNSSAN, IPSAN []string
}

func (dst *autoEncryptPartial) merge(src *autoEncryptPartial) {
	over(&dst.TLS, src.TLS)
	over(&dst.AllowTLS, src.AllowTLS)
	dst.DNSSAN = append(dst.DNSSAN, src.DNSSAN...)
	dst.IPSAN = append(dst.IPSAN, src.IPSAN...)
}

// autoEncryptBlock describes the auto_encrypt {} block.
func autoEncryptBlock(p *autoEncryptPartial) setter {
	return blockField(&block{
		name: `"auto_encrypt"`,
		fields: map[string]setter{
			"tls":       boolField(&p.TLS),
			"allow_tls": boolField(&p.AllowTLS),
			"dns_san":   listField(&p.DNSSAN),
			"ip_san":    listField(&p.IPSAN),
		},
		unsupported: []string{"grpc_server_tls"},
	})
}

func buildAutoEncrypt(p *autoEncryptPartial) AutoEncrypt {
	return AutoEncrypt{
		TLS:      val(p.TLS),
		AllowTLS: val(p.AllowTLS),
		DNSSAN:   append([]string(nil), p.DNSSAN...),
		IPSAN:    append([]string(nil), p.IPSAN...),
	}
}

// validateAutoEncrypt checks auto_encrypt against the agent's role and
// its tls {} settings.
func validateAutoEncrypt(c *Config) (warnings []string, errs []error) {
	ae, rpc := c.AutoEncrypt, c.TLS.InternalRPC
	noCA := rpc.CAFile == "" && rpc.CAPath == ""
	if ae.TLS {
		if c.Server {
			errs = append(errs, fmt.Errorf("auto_encrypt.tls is for client agents: servers sign the certificates (auto_encrypt.allow_tls) and need their own cert_file and key_file"))
		}
		if noCA {
			errs = append(errs, fmt.Errorf("auto_encrypt.tls needs the CA to verify the servers against; set tls.defaults.ca_file or tls.internal_rpc.ca_file"))
		}
		if rpc.CertFile != "" && !c.Server {
			warnings = append(warnings, fmt.Sprintf("auto_encrypt.tls is set but so is a certificate for the server port (cert_file %s): that certificate is used, as in Consul, and none is requested from the servers", rpc.CertFile))
		}
	}
	if ae.AllowTLS {
		if !c.Server {
			errs = append(errs, fmt.Errorf("auto_encrypt.allow_tls is for servers; a client agent asks for its certificate with auto_encrypt.tls"))
		} else {
			if rpc.CertFile == "" || noCA {
				errs = append(errs, fmt.Errorf("auto_encrypt.allow_tls needs the server port to serve TLS; set tls.defaults.ca_file, cert_file and key_file"))
			}
			if rpc.CAKeyFile == "" {
				errs = append(errs, fmt.Errorf("auto_encrypt.allow_tls needs the CA's private key to sign client certificates; set tls.internal_rpc.ca_key_file (concord has no Connect CA to sign with)"))
			}
		}
	}
	if rpc.CAKeyFile != "" && !(ae.AllowTLS && c.Server) {
		warnings = append(warnings, "tls.internal_rpc.ca_key_file is set but unused: only a server with auto_encrypt.allow_tls signs with it; keep the CA key off other agents")
	}
	if (len(ae.DNSSAN) > 0 || len(ae.IPSAN) > 0) && (!ae.TLS || c.Server) {
		warnings = append(warnings, "auto_encrypt.dns_san and ip_san are used only by a client agent with auto_encrypt.tls; ignored")
	}
	domain := strings.ToLower(strings.TrimSuffix(c.Domain, "."))
	for _, n := range ae.DNSSAN {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if domain != "" && (n == domain || strings.HasSuffix(n, "."+domain)) {
			errs = append(errs, fmt.Errorf("auto_encrypt.dns_san: %q is inside the cluster's domain %q, which the servers never sign for a client (it could pose as a server)", n, domain))
		}
	}
	for _, ip := range ae.IPSAN {
		if net.ParseIP(ip) == nil {
			errs = append(errs, fmt.Errorf("auto_encrypt.ip_san: %q is not an IP address", ip))
		}
	}
	return warnings, errs
}
