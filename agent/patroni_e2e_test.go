package agent_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
)

// patroniTools are the outside programs the Patroni test runs.
type patroniTools struct {
	patroni string // the patroni script
	pgBin   string // PostgreSQL's bin directory (initdb, pg_ctl, postgres)
	// cred runs Patroni (and so PostgreSQL, which refuses root) as the
	// postgres user when the test runs as root; nil otherwise.
	cred *syscall.Credential
}

// needPatroni finds Patroni, its Consul client library and PostgreSQL.
// Without them the test skips, unless CONCORD_E2E=1 (the CI, which
// installs patroni and postgresql), where it fails.
func needPatroni(t *testing.T) patroniTools {
	t.Helper()
	missing := func(format string, args ...interface{}) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CONCORD_E2E") == "1" {
			t.Fatalf("%s and CONCORD_E2E=1: install the Debian packages patroni, python3-consul and postgresql", msg)
		}
		t.Skipf("%s (install the Debian packages patroni, python3-consul and postgresql); CONCORD_E2E=1 makes this a failure", msg)
	}
	var tools patroniTools
	var err error
	if tools.patroni, err = exec.LookPath("patroni"); err != nil {
		missing("patroni is not on PATH")
	}
	// Patroni's Consul backend imports python-consul (Debian's
	// python3-consul, which the patroni package only suggests).
	python := "python3"
	if b, err := os.ReadFile(tools.patroni); err == nil && bytes.HasPrefix(b, []byte("#!")) {
		if f := strings.Fields(string(b[2:bytes.IndexByte(append(b, '\n'), '\n')])); len(f) > 0 {
			python = f[0]
		}
	}
	if out, err := exec.Command(python, "-c", "import consul").CombinedOutput(); err != nil {
		missing("Patroni's interpreter %s cannot import consul (python3-consul): %v %s", python, err, bytes.TrimSpace(out))
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		missing("PostgreSQL's initdb is neither on PATH nor under /usr/lib/postgresql/*/bin")
	}
	sort.Slice(bins, func(i, j int) bool { return pgMajor(bins[i]) < pgMajor(bins[j]) })
	tools.pgBin = filepath.Dir(bins[len(bins)-1])
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			missing("running as root and there is no postgres user to run PostgreSQL as (%v)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		tools.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return tools
}

// pgMajor is the version number in /usr/lib/postgresql/<major>/bin/initdb.
func pgMajor(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// patroniNode is one Patroni process with its PostgreSQL.
type patroniNode struct {
	name    string
	dir     string // config, log, socket; data in dir/data
	restAPI string // host:port of Patroni's REST API
	cmd     *exec.Cmd
	log     string
}

// patroniConfig is a node's configuration. ttl 10 makes Patroni ask for
// sessions with TTL "5.0s" (it sends half, Consul doubles it), below
// Consul's 10 s minimum: the agent sets session_ttl_min to 5s, as a
// Consul operator running Patroni with a short ttl would.
func patroniConfig(scope, name, consul, restAPI, pgAddr, dir, pgBin string) string {
	return fmt.Sprintf(`scope: %[1]s
name: %[2]s
log:
  level: INFO
restapi:
  listen: %[4]s
  connect_address: %[4]s
consul:
  host: %[3]s
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
  initdb:
    - encoding: UTF8
    - auth: trust
  pg_hba:
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
    - local all all trust
postgresql:
  listen: %[5]s
  connect_address: %[5]s
  data_dir: %[6]s/data
  bin_dir: %[7]s
  pgpass: %[6]s/pgpass
  authentication:
    replication: {username: replicator, password: rep}
    superuser: {username: postgres, password: pg}
  parameters:
    unix_socket_directories: %[6]s
    max_connections: 20
    shared_buffers: 16MB
`, scope, name, consul, restAPI, pgAddr, dir, pgBin)
}

// freeLoopbackPort is a port nothing listens on at 127.0.0.1 right now.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// patroniStatus is Patroni's GET /patroni: its PostgreSQL's role and state.
func patroniStatus(hc *http.Client, restAPI string) (role, state string, err error) {
	resp, err := hc.Get("http://" + restAPI + "/patroni")
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var s struct{ Role, State string }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return "", "", err
	}
	return s.Role, s.State, nil
}

func isPrimary(role string) bool { return role == "master" || role == "primary" }

// TestPatroniFailover runs two Patroni nodes (Debian's patroni 3.0.2 and
// PostgreSQL) unchanged against a concord dev agent as their Consul DCS:
// one bootstraps and holds the leader key service/<scope>/leader with its
// session, the other replicates; Patroni's process on the leader is
// killed with SIGKILL, so nothing renews its session, and the replica must
// take the leader key and promote itself once the session's TTL lapses.
func TestPatroniFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("Patroni end-to-end test skipped in -short mode")
	}
	tools := needPatroni(t)
	_, httpAddr, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.SessionTTLMin = 5 * time.Second // session_ttl_min = "5s"
	})

	root := t.TempDir()
	if tools.cred != nil {
		// t.TempDir is <tmp>/<TestName><random>/<n>, both 0700 and root's:
		// let postgres through.
		for _, d := range []string{root, filepath.Dir(root)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	const scope = "concord-e2e"
	var nodes []*patroniNode
	for i := 1; i <= 2; i++ {
		n := &patroniNode{name: fmt.Sprintf("pg%d", i), dir: filepath.Join(root, fmt.Sprintf("pg%d", i))}
		n.restAPI = fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t))
		pgAddr := fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t))
		if err := os.Mkdir(n.dir, 0o700); err != nil {
			t.Fatal(err)
		}
		cfgFile := filepath.Join(n.dir, "patroni.yml")
		if err := os.WriteFile(cfgFile, []byte(patroniConfig(scope, n.name, httpAddr, n.restAPI, pgAddr, n.dir, tools.pgBin)), 0o600); err != nil {
			t.Fatal(err)
		}
		if tools.cred != nil {
			for _, p := range []string{n.dir, cfgFile} {
				if err := os.Chown(p, int(tools.cred.Uid), int(tools.cred.Gid)); err != nil {
					t.Fatal(err)
				}
			}
		}
		n.log = filepath.Join(n.dir, "patroni.log")
		logf, err := os.Create(n.log)
		if err != nil {
			t.Fatal(err)
		}
		n.cmd = exec.Command(tools.patroni, cfgFile)
		n.cmd.Stdout, n.cmd.Stderr = logf, logf
		n.cmd.Dir = n.dir
		n.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + n.dir, "LANG=C.UTF-8", "LC_ALL=C.UTF-8"}
		n.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: tools.cred, Setpgid: true}
		if err := n.cmd.Start(); err != nil {
			t.Fatalf("start patroni %s: %v", n.name, err)
		}
		logf.Close()
		nodes = append(nodes, n)
		node := n
		t.Cleanup(func() { stopPatroni(t, node, tools) })
	}
	defer func() {
		if t.Failed() || testing.Verbose() {
			for _, n := range nodes {
				b, _ := os.ReadFile(n.log)
				if len(b) > 6000 {
					b = b[len(b)-6000:]
				}
				t.Logf("--- %s's log (tail) ---\n%s", n.name, b)
			}
		}
	}()

	hc := &http.Client{Timeout: 2 * time.Second}
	leaderKey := "service/" + scope + "/leader"
	var leader, replica *patroniNode
	var leaderSession string
	agenttest.WaitFor(t, 60*time.Second, "a Patroni leader holding the leader key and a streaming replica", func() error {
		kv, _, err := c.KV().Get(leaderKey, &api.QueryOptions{RequireConsistent: true})
		if err != nil {
			return err
		}
		if kv == nil || kv.Session == "" {
			return fmt.Errorf("%s not held yet (%+v)", leaderKey, kv)
		}
		leader, replica = nil, nil
		for _, n := range nodes {
			role, state, err := patroniStatus(hc, n.restAPI)
			if err != nil {
				return fmt.Errorf("%s: %v", n.name, err)
			}
			switch {
			case isPrimary(role) && state == "running" && string(kv.Value) == n.name:
				leader = n
			case role == "replica" && state == "running":
				replica = n
			default:
				return fmt.Errorf("%s is %s/%s; the key names %q", n.name, role, state, kv.Value)
			}
		}
		if leader == nil || replica == nil {
			return fmt.Errorf("no leader and replica pair yet")
		}
		leaderSession = kv.Session
		return nil
	})
	sess, _, err := c.Session().Info(leaderSession, nil)
	if err != nil || sess == nil {
		t.Fatalf("the leader key's session %s: %+v, %v", leaderSession, sess, err)
	}
	t.Logf("%s leads with session %s (TTL %s, behavior %s), %s replicates", leader.name, sess.ID, sess.TTL, sess.Behavior, replica.name)

	if err := leader.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	leader.cmd.Wait()
	// The session lives TTL*2 (10 s) unrenewed; the replica sees the key
	// go at once through its blocking read and takes it within loop_wait.
	const bound = 30 * time.Second
	agenttest.WaitFor(t, bound+15*time.Second, replica.name+" holding the leader key and promoted", func() error {
		kv, _, err := c.KV().Get(leaderKey, &api.QueryOptions{RequireConsistent: true})
		if err != nil {
			return err
		}
		if kv == nil || string(kv.Value) != replica.name || kv.Session == "" || kv.Session == leaderSession {
			return fmt.Errorf("leader key is %+v", kv)
		}
		if role, state, err := patroniStatus(hc, replica.restAPI); err != nil || !isPrimary(role) || state != "running" {
			return fmt.Errorf("%s is %s/%s (%v)", replica.name, role, state, err)
		}
		return nil
	})
	took := time.Since(killed)
	t.Logf("%s took the leader key and promoted %v after %s's Patroni was killed", replica.name, took.Round(100*time.Millisecond), leader.name)
	if took > bound {
		t.Errorf("failover took %v, beyond ttl + loop_wait + slack (%v)", took, bound)
	}
	kv, _, err := c.KV().Get(leaderKey, nil)
	if err != nil || kv == nil {
		t.Fatalf("leader key: %+v, %v", kv, err)
	}
	if s, _, err := c.Session().Info(kv.Session, nil); err != nil || s == nil || s.Name != scope+"-"+replica.name {
		t.Errorf("the new leader key's session %s: %+v, %v", kv.Session, s, err)
	}
	if s, _, err := c.Session().Info(leaderSession, nil); err != nil || s != nil {
		t.Errorf("the killed leader's session %s is still there: %+v, %v", leaderSession, s, err)
	}
	// Patroni logs what its Consul client did not expect (an error
	// status, a body it could not parse) as an exception, and carries on:
	// any is a sign of an incompatibility even when the failover worked.
	for _, n := range nodes {
		b, err := os.ReadFile(n.log)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "Traceback") || strings.Contains(line, "consul.base.") ||
				strings.Contains(line, "ConsulInternalError") || strings.Contains(line, "InvalidSession") {
				t.Errorf("%s logged: %s", n.name, line)
			}
		}
	}
}

// stopPatroni kills a node's Patroni and stops its PostgreSQL, which
// Patroni starts in a session of its own and so outlives it.
func stopPatroni(t *testing.T, n *patroniNode, tools patroniTools) {
	if n.cmd.ProcessState == nil {
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		n.cmd.Wait()
	}
	data := filepath.Join(n.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err != nil {
		return
	}
	stop := exec.Command(filepath.Join(tools.pgBin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "-t", "20", "stop")
	stop.SysProcAttr = &syscall.SysProcAttr{Credential: tools.cred}
	if out, err := stop.CombinedOutput(); err != nil {
		t.Logf("pg_ctl stop %s: %v %s", n.name, err, out)
	}
}
