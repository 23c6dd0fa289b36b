package tls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// AutoEncryptCertTTL is how long a certificate signed for a client agent
// (auto_encrypt) is valid, as in Consul. The agent renews it well before.
const AutoEncryptCertTTL = 72 * time.Hour

// Limits on what a client may ask to have signed.
const (
	maxRequestedNames = 32
	maxRequestedIPs   = 32
)

// ClientCertName is the name every client agent certificate carries:
// client.<dc>.<domain>.
func ClientCertName(dc, domain string) string {
	return "client." + dc + "." + domainName(domain)
}

// GenerateCSR makes a new ECDSA P-256 key and a certificate signing
// request for a client agent of datacenter dc: client.<dc>.<domain>,
// localhost and 127.0.0.1, plus the extra dnsNames and ips. It returns the
// request and the key, PEM; the key never leaves the agent.
func GenerateCSR(dc, domain string, dnsNames []string, ips []net.IP) (csrPEM, keyPEM string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	name := ClientCertName(dc, domain)
	tmpl := &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: name},
		DNSNames:    append([]string{name, "localhost"}, dnsNames...),
		IPAddresses: append([]net.IP{net.IPv4(127, 0, 0, 1)}, ips...),
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return "", "", err
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), keyPEM, nil
}

// caSigner is the CA certificate and key a server signs client agent
// certificates with (tls.internal_rpc.ca_key_file).
type caSigner struct {
	cert   *x509.Certificate
	key    crypto.Signer
	caPEMs []string // every CA certificate this agent trusts, PEM
}

// signClient signs a client agent's request. Only the request's public
// key and its extra names are taken from it; everything else is set here:
// the certificate is for client authentication only (it cannot serve as a
// server's), is valid for ttl, and always names client.<dc>.<domain>,
// localhost and 127.0.0.1. A requested name inside the cluster's own
// domain other than the client name (server.<dc>.<domain> above all), or
// any wildcard, is refused: those names are for the operator to grant.
func (s *caSigner) signClient(csrPEM, dc, domain string, ttl time.Duration) (string, time.Time, error) {
	b, _ := pem.Decode([]byte(csrPEM))
	if b == nil || b.Type != "CERTIFICATE REQUEST" {
		return "", time.Time{}, errors.New("the certificate signing request is not PEM")
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("certificate signing request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return "", time.Time{}, fmt.Errorf("certificate signing request: %w", err)
	}
	if err := checkRequestKey(csr.PublicKey); err != nil {
		return "", time.Time{}, err
	}
	name := ClientCertName(dc, domain)
	dns, ips, err := requestedNames(csr, name, domainName(domain))
	if err != nil {
		return "", time.Time{}, err
	}
	sn, err := serialNumber()
	if err != nil {
		return "", time.Time{}, err
	}
	id, err := keyID(csr.PublicKey)
	if err != nil {
		return "", time.Time{}, err
	}
	now := time.Now()
	notAfter := now.Add(ttl)
	if notAfter.After(s.cert.NotAfter) {
		notAfter = s.cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		DNSNames:              dns,
		IPAddresses:           ips,
		SubjectKeyId:          id,
		AuthorityKeyId:        s.cert.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.cert, csr.PublicKey, s.key)
	if err != nil {
		return "", time.Time{}, err
	}
	return encodeCert(der), notAfter, nil
}

func checkRequestKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() || k.Curve == elliptic.P384() {
			return nil
		}
		return fmt.Errorf("certificate signing request: ECDSA curve %s is not accepted; use P-256 or P-384", k.Curve.Params().Name)
	case *rsa.PublicKey:
		if k.N.BitLen() >= 2048 {
			return nil
		}
		return fmt.Errorf("certificate signing request: an RSA key of %d bits is too short; use 2048 or more", k.N.BitLen())
	}
	return fmt.Errorf("certificate signing request: key type %T is not accepted; use ECDSA or RSA", pub)
}

// requestedNames returns the certificate's names: the client name,
// localhost and 127.0.0.1 first, then what the request adds that may be
// granted.
func requestedNames(csr *x509.CertificateRequest, clientName, domain string) ([]string, []net.IP, error) {
	if len(csr.DNSNames) > maxRequestedNames || len(csr.IPAddresses) > maxRequestedIPs {
		return nil, nil, fmt.Errorf("certificate signing request: at most %d DNS names and %d IP addresses", maxRequestedNames, maxRequestedIPs)
	}
	if len(csr.URIs) > 0 || len(csr.EmailAddresses) > 0 {
		return nil, nil, errors.New("certificate signing request: only DNS names and IP addresses may be requested")
	}
	dns := []string{clientName, "localhost"}
	seen := map[string]bool{clientName: true, "localhost": true}
	for _, n := range csr.DNSNames {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if seen[n] {
			continue
		}
		if !validDNSName(n) {
			return nil, nil, fmt.Errorf("certificate signing request: %q is not a DNS name (wildcards are not signed)", n)
		}
		if n == domain || strings.HasSuffix(n, "."+domain) {
			return nil, nil, fmt.Errorf("certificate signing request: %q is inside the cluster's domain %q; a client agent is only given %s", n, domain, clientName)
		}
		seen[n] = true
		dns = append(dns, n)
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1)}
	for _, ip := range csr.IPAddresses {
		if ip.Equal(ips[0]) {
			continue
		}
		ips = append(ips, ip)
	}
	return dns, ips, nil
}

// validDNSName accepts lowercase host names: labels of letters, digits
// and dashes (underscores tolerated), no wildcard.
func validDNSName(n string) bool {
	if n == "" || len(n) > 253 {
		return false
	}
	for _, label := range strings.Split(n, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// loadSigner reads the CA key and finds its certificate among the CAs.
func loadSigner(keyFile string, cas []*x509.Certificate) (*caSigner, error) {
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("ca_key_file: %w", err)
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, fmt.Errorf("ca_key_file %s holds no PEM key", keyFile)
	}
	key, err := parseKey(kb)
	if err != nil {
		return nil, fmt.Errorf("ca_key_file %s: %w", keyFile, err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	s := &caSigner{key: key}
	for _, c := range cas {
		s.caPEMs = append(s.caPEMs, encodeCert(c.Raw))
		if s.cert == nil && c.IsCA && string(c.RawSubjectPublicKeyInfo) == string(pub) {
			s.cert = c
		}
	}
	if s.cert == nil {
		return nil, fmt.Errorf("ca_key_file %s is not the key of any CA certificate in ca_file or ca_path", keyFile)
	}
	if s.cert.KeyUsage != 0 && s.cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("the CA certificate of ca_key_file %s may not sign certificates", keyFile)
	}
	return s, nil
}
