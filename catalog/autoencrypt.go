package catalog

import "time"

// AutoEncryptSignRequest asks a server to sign a client agent's
// certificate. The key stays on the agent: only its signing request
// travels.
type AutoEncryptSignRequest struct {
	WriteRequest
	// Node is the agent's node name; with ACLs on, Token needs
	// node:write on it.
	Node string
	// CSR is a PKCS #10 certificate signing request, PEM.
	CSR string
}

// AutoEncryptSignReply is the signed certificate.
type AutoEncryptSignReply struct {
	// CertPEM is the agent's certificate, valid for client.<dc>.<domain>
	// and for client authentication only.
	CertPEM string
	// CAPEMs are the CA certificates the server trusts, PEM.
	CAPEMs []string
	// NotAfter is when CertPEM expires.
	NotAfter time.Time
}
