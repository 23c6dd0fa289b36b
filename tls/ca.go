package tls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Validity defaults, in days, as Consul's CLI uses.
const (
	DefaultCADays   = 1825
	DefaultCertDays = 365
)

// CAOptions describe a new certificate authority.
type CAOptions struct {
	Days   int    // validity; DefaultCADays when 0
	Domain string // DNS domain; "consul" when empty
	// NameConstraint limits the CA to signing names under Domain and
	// "localhost" (plus AdditionalConstraints).
	NameConstraint        bool
	AdditionalConstraints []string
	// CommonName defaults to "Consul Agent CA <serial>".
	CommonName string
}

// Kind is what a certificate is for.
type Kind string

// The kinds of certificate "tls cert create" makes.
const (
	KindServer Kind = "server" // server.<dc>.<domain>: serves and dials RPC
	KindClient Kind = "client" // client.<dc>.<domain>: a client agent
	KindCLI    Kind = "cli"    // cli.<dc>.<domain>: a CLI or API client
)

// CertOptions describe a certificate signed by the built-in CA.
type CertOptions struct {
	Kind       Kind
	Datacenter string // "dc1" when empty
	Domain     string // "consul" when empty
	// Node, on a server certificate, adds <node>.server.<dc>.<domain>.
	Node     string
	DNSNames []string // added to the kind's own names
	IPs      []net.IP // added to 127.0.0.1 (servers and clients)
	Days     int      // DefaultCertDays when 0
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// keyID is a key's subject key identifier: a hash of its public key.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return sum[:20], nil
}

func encodeKey(k *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
}

func encodeCert(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// GenerateCA makes a self-signed ECDSA P-256 CA and returns its
// certificate and key, PEM-encoded.
func GenerateCA(o CAOptions) (certPEM, keyPEM string, err error) {
	if o.Days == 0 {
		o.Days = DefaultCADays
	}
	if o.Days < 0 {
		return "", "", errors.New("days must be positive")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	sn, err := serialNumber()
	if err != nil {
		return "", "", err
	}
	id, err := keyID(key.Public())
	if err != nil {
		return "", "", err
	}
	if o.CommonName == "" {
		o.CommonName = "Consul Agent CA " + sn.String()
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject: pkix.Name{
			CommonName:   o.CommonName,
			Organization: []string{"concord"},
		},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(0, 0, o.Days),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		SubjectKeyId:          id,
		AuthorityKeyId:        id,
	}
	if o.NameConstraint {
		tmpl.PermittedDNSDomainsCritical = true
		tmpl.PermittedDNSDomains = append([]string{domainName(o.Domain), "localhost"}, o.AdditionalConstraints...)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return "", "", err
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return "", "", err
	}
	return encodeCert(der), keyPEM, nil
}

// parseCA reads a CA certificate and its key from PEM.
func parseCA(certPEM, keyPEM string) (*x509.Certificate, crypto.Signer, error) {
	b, _ := pem.Decode([]byte(certPEM))
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, nil, errors.New("CA certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("CA certificate: %w", err)
	}
	kb, _ := pem.Decode([]byte(keyPEM))
	if kb == nil {
		return nil, nil, errors.New("CA key is not PEM")
	}
	signer, err := parseKey(kb)
	if err != nil {
		return nil, nil, fmt.Errorf("CA key: %w", err)
	}
	return cert, signer, nil
}

// parseKey reads an EC (SEC 1) or PKCS #8 private key.
func parseKey(b *pem.Block) (crypto.Signer, error) {
	if b.Type == "EC PRIVATE KEY" {
		return x509.ParseECPrivateKey(b.Bytes)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T", k)
	}
	return signer, nil
}

// GenerateCert makes an ECDSA P-256 certificate of the given kind signed
// by the CA (PEM certificate and key) and returns it and its key, PEM.
// A server certificate is valid for server.<dc>.<domain>, localhost and
// 127.0.0.1; a client one for client.<dc>.<domain>, localhost and
// 127.0.0.1; a CLI one for cli.<dc>.<domain> and localhost, for client
// authentication only.
func GenerateCert(caCertPEM, caKeyPEM string, o CertOptions) (certPEM, keyPEM string, err error) {
	ca, signer, err := parseCA(caCertPEM, caKeyPEM)
	if err != nil {
		return "", "", err
	}
	if o.Datacenter == "" {
		o.Datacenter = "dc1"
	}
	if o.Days == 0 {
		o.Days = DefaultCertDays
	}
	if o.Days < 0 {
		return "", "", errors.New("days must be positive")
	}
	domain := domainName(o.Domain)
	name := string(o.Kind) + "." + o.Datacenter + "." + domain
	dns := []string{name, "localhost"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1)}
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	switch o.Kind {
	case KindServer:
		if o.Node != "" {
			dns = append(dns, o.Node+"."+name)
		}
	case KindClient:
	case KindCLI:
		ips = nil
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	default:
		return "", "", fmt.Errorf("unknown certificate kind %q: use server, client or cli", o.Kind)
	}
	dns = append(dns, o.DNSNames...)
	ips = append(ips, o.IPs...)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	sn, err := serialNumber()
	if err != nil {
		return "", "", err
	}
	id, err := keyID(key.Public())
	if err != nil {
		return "", "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(0, 0, o.Days),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           usage,
		DNSNames:              dns,
		IPAddresses:           ips,
		SubjectKeyId:          id,
		AuthorityKeyId:        ca.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), signer)
	if err != nil {
		return "", "", err
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return "", "", err
	}
	return encodeCert(der), keyPEM, nil
}

// CAFileNames are the files "tls ca create" writes for domain:
// <domain>-agent-ca.pem and <domain>-agent-ca-key.pem.
func CAFileNames(domain string) (cert, key string) {
	d := domainName(domain)
	return d + "-agent-ca.pem", d + "-agent-ca-key.pem"
}

// NextCertFileNames are the first unused certificate and key names in dir
// for a kind: <dc>-<kind>-<domain>-<n>.pem and ...-<n>-key.pem, with n
// counting from 0.
func NextCertFileNames(dir string, kind Kind, dc, domain string) (cert, key string) {
	prefix := dc + "-" + string(kind) + "-" + domainName(domain) + "-"
	for n := 0; ; n++ {
		cert = prefix + strconv.Itoa(n) + ".pem"
		key = prefix + strconv.Itoa(n) + "-key.pem"
		if !exists(filepath.Join(dir, cert)) && !exists(filepath.Join(dir, key)) {
			return cert, key
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
