package config

import (
	"strings"
	"testing"
)

func TestTLSScopesInheritDefaults(t *testing.T) {
	c, warnings, _, err := loadString(t, "c.json", `{
		"ca_file": "/old/ca.pem", "verify_incoming_https": false, "verify_server_hostname": true,
		"addresses": {"https": "0.0.0.0"}, "ports": {"https": 8501},
		"tls": {
			"defaults": {"ca_file": "/ca.pem", "cert_file": "/agent.pem", "key_file": "/agent-key.pem",
				"verify_incoming": true, "tls_min_version": "TLSv1_3"},
			"internal_rpc": {"cert_file": "/rpc.pem", "key_file": "/rpc-key.pem"},
			"https": {"verify_incoming": false, "tls_cipher_suites": "x"}
		}}`)
	if err != nil {
		t.Fatal(err)
	}
	rpc := TLSScope{CAFile: "/ca.pem", CertFile: "/rpc.pem", KeyFile: "/rpc-key.pem", VerifyIncoming: true,
		VerifyOutgoing: true, VerifyServerHostname: true, MinVersion: "TLSv1_3"}
	https := TLSScope{CAFile: "/ca.pem", CertFile: "/agent.pem", KeyFile: "/agent-key.pem", MinVersion: "TLSv1_3"}
	if c.TLS.InternalRPC != rpc {
		t.Errorf("internal_rpc = %+v\nwant %+v", c.TLS.InternalRPC, rpc)
	}
	if c.TLS.HTTPS != https {
		t.Errorf("https = %+v\nwant %+v", c.TLS.HTTPS, https)
	}
	if c.Ports.HTTPS != 8501 || len(c.HTTPSAddrs) != 1 || c.HTTPSAddrs[0] != "0.0.0.0" {
		t.Errorf("https listener %v on %q", c.Ports.HTTPS, c.HTTPSAddrs)
	}
	for _, w := range []string{`key "tls.https.tls_cipher_suites" is not supported yet`,
		`"verify_server_hostname" key is deprecated; use "tls.internal_rpc.verify_server_hostname"`} {
		if !hasWarning(warnings, w) {
			t.Errorf("no warning %q in %q", w, warnings)
		}
	}
}

func TestTLSValidation(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"cert without key", `{"tls": {"defaults": {"cert_file": "/c.pem"}}}`,
			"tls.internal_rpc: a certificate (cert_file /c.pem) needs its key; set tls.defaults.key_file or tls.internal_rpc.key_file"},
		{"key without cert", `{"tls": {"https": {"key_file": "/k.pem"}}}`,
			"tls.https: a key (key_file /k.pem) needs its certificate"},
		{"verify_incoming without CA", `{"tls": {"defaults": {"cert_file": "/c", "key_file": "/k", "verify_incoming": true}}}`,
			"tls.internal_rpc.verify_incoming needs a CA to verify client certificates; set tls.defaults.ca_file (or ca_path)"},
		{"verify_incoming without cert", `{"verify_incoming_rpc": true, "ca_file": "/ca"}`,
			"tls.internal_rpc.verify_incoming needs this agent's certificate; set tls.defaults.cert_file and key_file"},
		{"verify_outgoing without CA", `{"verify_outgoing": true}`,
			"tls.internal_rpc.verify_outgoing needs a CA to verify servers' certificates; set tls.defaults.ca_file"},
		{"verify_server_hostname without CA", `{"tls": {"internal_rpc": {"verify_server_hostname": true}}}`,
			"tls.internal_rpc.verify_server_hostname needs a CA"},
		{"min version", `{"tls": {"defaults": {"tls_min_version": "tls11"}}}`, `tls_min_version "tls11" is not supported`},
		{"verify_server_hostname outside internal_rpc", `{"tls": {"defaults": {"verify_server_hostname": true}}}`,
			`unknown key "tls.defaults.verify_server_hostname"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := loadString(t, "c.json", tt.content)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\ndoes not contain %q", err, tt.want)
			}
		})
	}
	_, warnings, _, err := loadString(t, "c.json", `{"ports": {"https": 8501}}`)
	if err != nil || !hasWarning(warnings, "ports.https is set but there is no certificate to serve") {
		t.Fatalf("https without a certificate: %v, %q", err, warnings)
	}
}

func TestAutoEncryptKeys(t *testing.T) {
	c, warnings, _, err := loadString(t, "c.json", `{
		"tls": {"defaults": {"ca_file": "/ca.pem", "verify_incoming": false, "verify_outgoing": true},
			"internal_rpc": {"verify_server_hostname": true}},
		"auto_encrypt": {"tls": true, "dns_san": ["node1.example.com"], "ip_san": ["10.0.0.5"]}}`)
	if err != nil {
		t.Fatal(err)
	}
	want := AutoEncrypt{TLS: true, DNSSAN: []string{"node1.example.com"}, IPSAN: []string{"10.0.0.5"}}
	if c.AutoEncrypt.TLS != want.TLS || strings.Join(c.AutoEncrypt.DNSSAN, ",") != "node1.example.com" ||
		strings.Join(c.AutoEncrypt.IPSAN, ",") != "10.0.0.5" {
		t.Fatalf("auto_encrypt = %+v, want %+v", c.AutoEncrypt, want)
	}
	for _, w := range warnings {
		if strings.Contains(w, "auto_encrypt") {
			t.Errorf("unexpected warning %q", w)
		}
	}

	c, warnings, _, err = loadString(t, "c.json", `{"server": true, "auto_encrypt": {"allow_tls": true},
		"tls": {"defaults": {"ca_file": "/ca.pem", "cert_file": "/s.pem", "key_file": "/s-key.pem", "verify_incoming": true},
			"internal_rpc": {"ca_key_file": "/ca-key.pem"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if !c.AutoEncrypt.AllowTLS || c.TLS.InternalRPC.CAKeyFile != "/ca-key.pem" || c.TLS.HTTPS.CAKeyFile != "" {
		t.Fatalf("server: auto_encrypt %+v, internal_rpc %+v, https %+v", c.AutoEncrypt, c.TLS.InternalRPC, c.TLS.HTTPS)
	}
	if hasWarning(warnings, "auto_encrypt") {
		t.Errorf("unexpected warnings %q", warnings)
	}
}

func TestAutoEncryptValidation(t *testing.T) {
	srvTLS := `"tls": {"defaults": {"ca_file": "/ca.pem", "cert_file": "/s.pem", "key_file": "/s-key.pem", "verify_incoming": true}}`
	tests := []struct {
		name, content, want string
	}{
		{"tls on a server", `{"server": true, "auto_encrypt": {"tls": true}, ` + srvTLS + `}`,
			"auto_encrypt.tls is for client agents"},
		{"tls without a CA", `{"auto_encrypt": {"tls": true}}`,
			"auto_encrypt.tls needs the CA to verify the servers against; set tls.defaults.ca_file"},
		{"allow_tls on a client", `{"auto_encrypt": {"allow_tls": true}}`, "auto_encrypt.allow_tls is for servers"},
		{"allow_tls without the CA key", `{"server": true, "auto_encrypt": {"allow_tls": true}, ` + srvTLS + `}`,
			"auto_encrypt.allow_tls needs the CA's private key to sign client certificates; set tls.internal_rpc.ca_key_file"},
		{"allow_tls without TLS", `{"server": true, "auto_encrypt": {"allow_tls": true}, "tls": {"internal_rpc": {"ca_key_file": "/k"}}}`,
			"auto_encrypt.allow_tls needs the server port to serve TLS"},
		{"ip_san", `{"auto_encrypt": {"tls": true, "ip_san": ["node1"]}, "ca_file": "/ca.pem"}`,
			`auto_encrypt.ip_san: "node1" is not an IP address`},
		{"dns_san inside the domain", `{"auto_encrypt": {"tls": true, "dns_san": ["server.dc1.consul"]}, "ca_file": "/ca.pem"}`,
			`auto_encrypt.dns_san: "server.dc1.consul" is inside the cluster's domain "consul"`},
		{"ca_key_file outside internal_rpc", `{"tls": {"defaults": {"ca_key_file": "/k"}}}`,
			`unknown key "tls.defaults.ca_key_file"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := loadString(t, "c.json", tt.content)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\ndoes not contain %q", err, tt.want)
			}
		})
	}

	// A client with verify_incoming needs no cert_file when its
	// certificate comes from the servers.
	if _, _, _, err := loadString(t, "c.json", `{"auto_encrypt": {"tls": true}, "tls": {"defaults": {"ca_file": "/ca.pem"}, "internal_rpc": {"verify_incoming": true}}}`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ content, want string }{
		{`{"auto_encrypt": {"tls": true}, "tls": {"defaults": {"ca_file": "/ca.pem", "cert_file": "/c.pem", "key_file": "/k.pem"}}}`,
			"that certificate is used, as in Consul, and none is requested"},
		{`{"tls": {"internal_rpc": {"ca_key_file": "/k"}}}`, "tls.internal_rpc.ca_key_file is set but unused"},
		{`{"auto_encrypt": {"dns_san": ["a.example"]}}`, "auto_encrypt.dns_san and ip_san are used only by a client agent"},
	} {
		_, warnings, _, err := loadString(t, "c.json", tt.content)
		if err != nil || !hasWarning(warnings, tt.want) {
			t.Errorf("%s: want warning %q, got %q, %v", tt.content, tt.want, warnings, err)
		}
	}
}
