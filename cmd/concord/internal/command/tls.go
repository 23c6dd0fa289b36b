package command

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"

	ctls "github.com/concord-dev/concord/tls"
)

func tlsSpec() spec {
	return spec{
		synopsis: "Builtin helpers for creating CAs and certificates",
		usage: `
Usage: concord tls <subcommand> <subcommand> [options]

  This command has subcommands for interacting with concord TLS.

  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  Create a CA

    $ concord tls ca create

  Create a server certificate

    $ concord tls cert create -server

  Create a client certificate

    $ concord tls cert create -client
`,
	}
}

func tlsCASpec() spec {
	return spec{
		synopsis: "Helpers for CAs",
		usage: `
Usage: concord tls ca <subcommand> [options] filename-prefix

  This command has subcommands for interacting with certificate authorities.

  Create a CA

    $ concord tls ca create
`,
	}
}

func tlsCertSpec() spec {
	return spec{
		synopsis: "Helpers for certificates",
		usage: `
Usage: concord tls cert <subcommand> [options]

  This command has subcommands for interacting with certificates.

  Create a certificate

    $ concord tls cert create -server
`,
	}
}

// writeNew writes a file that must not exist yet.
func writeNew(path, content string, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// saveFiles writes a certificate and its key, refusing to overwrite
// either, and prints Consul's "==> Saved" lines.
func (c *cli) saveFiles(certName, cert, keyName, key string) int {
	for _, name := range []string{certName, keyName} {
		if _, err := os.Stat(name); err == nil {
			c.errorf("%s already exists.", name)
			return 1
		}
	}
	if err := writeNew(certName, cert, 0o644); err != nil {
		c.errorf("%s", err)
		return 1
	}
	c.out("==> Saved " + certName)
	if err := writeNew(keyName, key, 0o600); err != nil {
		c.errorf("%s", err)
		return 1
	}
	c.out("==> Saved " + keyName)
	return 0
}

func tlsCACreateSpec() spec {
	return spec{
		synopsis: "Create a new concord CA",
		usage: `
Usage: concord tls ca create [options]

  Create a new concord CA:

  $ concord tls ca create
  ==> saved consul-agent-ca.pem
  ==> saved consul-agent-ca-key.pem
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			days := fs.Int("days", ctls.DefaultCADays, "Provide number of days the CA is valid for from now on. Defaults to 5 years.")
			domain := fs.String("domain", "consul", "Domain of consul cluster. Only used in combination with -name-constraint.")
			constraint := fs.Bool("name-constraint", false, "Add name constraints for the CA. Results in rejecting "+
				"certificates for other DNS than specified. If turned on localhost and -domain will be added to the allowed DNS. "+
				"If the UI is going to be served over HTTPS its DNS has to be added with -additional-constraint. It is not "+
				"possible to add that after the fact! Defaults to false.")
			var extra stringList
			fs.Var(&extra, "additional-name-constraint", "Add name constraints for the CA. Results in rejecting certificates "+
				"for other DNS than specified. Can be used multiple times. Only used in combination with -name-constraint.")
			common := fs.String("common-name", "", "Common Name of CA. Defaults to Consul Agent CA.")
			return func(args []string) int {
				if len(args) > 0 {
					c.errorf("Error found unexpected args: %v", args)
					return 1
				}
				certName, keyName := ctls.CAFileNames(*domain)
				for _, name := range []string{certName, keyName} {
					if _, err := os.Stat(name); err == nil {
						c.errorf("%s already exists.", name)
						return 1
					}
				}
				cert, key, err := ctls.GenerateCA(ctls.CAOptions{Days: *days, Domain: *domain,
					NameConstraint: *constraint, AdditionalConstraints: extra, CommonName: *common})
				if err != nil {
					c.errorf("%s", err)
					return 1
				}
				return c.saveFiles(certName, cert, keyName, key)
			}
		},
	}
}

const serverCertWarning = `==> WARNING: Server Certificates grants authority to become a
    server and access all state in the cluster including root keys
    and all ACL tokens. Do not distribute them to production hosts
    that are not server nodes. Store them as securely as CA keys.`

func tlsCertCreateSpec() spec {
	return spec{
		synopsis: "Create a new certificate",
		usage: `
Usage: concord tls cert create [options]

  Create a new certificate

  $ concord tls cert create -server
  ==> WARNING: Server Certificates grants authority to become a
      server and access all state in the cluster including root keys
      and all ACL tokens. Do not distribute them to production hosts
      that are not server nodes. Store them as securely as CA keys.
  ==> Using consul-agent-ca.pem and consul-agent-ca-key.pem
  ==> Saved dc1-server-consul-0.pem
  ==> Saved dc1-server-consul-0-key.pem
  $ concord tls cert create -client
  ==> Using consul-agent-ca.pem and consul-agent-ca-key.pem
  ==> Saved dc1-client-consul-0.pem
  ==> Saved dc1-client-consul-0-key.pem
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			caFile := fs.String("ca", "#DOMAIN#-agent-ca.pem", "Provide path to the ca. Defaults to #DOMAIN#-agent-ca.pem.")
			keyFile := fs.String("key", "#DOMAIN#-agent-ca-key.pem", "Provide path to the key. Defaults to #DOMAIN#-agent-ca-key.pem.")
			server := fs.Bool("server", false, "Generate server certificate.")
			client := fs.Bool("client", false, "Generate client certificate.")
			cliKind := fs.Bool("cli", false, "Generate cli certificate.")
			days := fs.Int("days", ctls.DefaultCertDays, "Provide number of days the certificate is valid for from now on. Defaults to 1 year.")
			dc := fs.String("dc", "dc1", "Provide the datacenter. Matters only for -server certificates.")
			domain := fs.String("domain", "consul", "Provide the domain. Matters only for -server certificates.")
			node := fs.String("node", "", "When generating a server cert and this is set an additional dns name is included of the form <node>.server.<datacenter>.<domain>.")
			var dns, ips stringList
			fs.Var(&dns, "additional-dnsname", "Provide an additional dnsname for Subject Alternative Names. "+
				"localhost is always included. This flag may be provided multiple times.")
			fs.Var(&ips, "additional-ipaddress", "Provide an additional ipaddress for Subject Alternative Names. "+
				"127.0.0.1 is always included. This flag may be provided multiple times.")
			return func(args []string) int {
				if len(args) > 0 {
					c.errorf("Error found unexpected args: %v", args)
					return 1
				}
				var kind ctls.Kind
				n := 0
				for k, on := range map[ctls.Kind]bool{ctls.KindServer: *server, ctls.KindClient: *client, ctls.KindCLI: *cliKind} {
					if on {
						kind, n = k, n+1
					}
				}
				if n != 1 {
					c.errorf("Please provide either -server, -client, or -cli")
					return 1
				}
				if *node != "" && kind != ctls.KindServer {
					c.errorf("-node requires -server")
					return 1
				}
				var addrs []net.IP
				for _, s := range ips {
					ip := net.ParseIP(s)
					if ip == nil {
						c.errorf("%s is not a valid IP address", s)
						return 1
					}
					addrs = append(addrs, ip)
				}
				d := strings.TrimSuffix(*domain, ".")
				caPath := strings.ReplaceAll(*caFile, "#DOMAIN#", d)
				keyPath := strings.ReplaceAll(*keyFile, "#DOMAIN#", d)
				if caPath == "" {
					c.errorf("Please provide the ca")
					return 1
				}
				if keyPath == "" {
					c.errorf("Please provide the key")
					return 1
				}
				caPEM, err := os.ReadFile(caPath)
				if err != nil {
					c.errorf("Error reading CA: %s", readErr(err))
					return 1
				}
				caKeyPEM, err := os.ReadFile(keyPath)
				if err != nil {
					c.errorf("Error reading CA key: %s", readErr(err))
					return 1
				}
				if kind == ctls.KindServer {
					c.out(serverCertWarning)
				}
				c.out(fmt.Sprintf("==> Using %s and %s", caPath, keyPath))
				cert, key, err := ctls.GenerateCert(string(caPEM), string(caKeyPEM), ctls.CertOptions{
					Kind: kind, Datacenter: *dc, Domain: d, Node: *node, DNSNames: dns, IPs: addrs, Days: *days,
				})
				if err != nil {
					c.errorf("%s", err)
					return 1
				}
				certName, keyName := ctls.NextCertFileNames(".", kind, *dc, d)
				return c.saveFiles(certName, cert, keyName, key)
			}
		},
	}
}

func readErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
