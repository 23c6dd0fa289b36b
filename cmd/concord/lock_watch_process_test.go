package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// verb is one "concord lock" or "concord watch" run as a real process.
type verb struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func startVerb(t *testing.T, addr string, args ...string) *verb {
	t.Helper()
	v := &verb{done: make(chan struct{})}
	v.cmd = exec.Command(concordBinary(t), args...)
	v.cmd.Env = append(os.Environ(), "CONSUL_HTTP_ADDR="+addr)
	v.cmd.Stdout, v.cmd.Stderr = &v.out, &v.out
	if err := v.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		v.err = v.cmd.Wait()
		close(v.done)
	}()
	t.Cleanup(func() {
		v.cmd.Process.Kill()
		<-v.done
	})
	return v
}

// wait is the exit code, failing the test if the process outlives d.
func (v *verb) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-v.done:
		if v.err == nil {
			return 0
		}
		if ee, ok := v.err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		t.Fatalf("wait: %v", v.err)
	case <-time.After(d):
		t.Fatalf("%v still running after %v", v.cmd.Args, d)
	}
	return -1
}

func (v *verb) exited() bool {
	select {
	case <-v.done:
		return true
	default:
		return false
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func waitFile(t *testing.T, path string, d time.Duration) {
	t.Helper()
	eventually(t, d, "file "+filepath.Base(path), func() error {
		if !exists(path) {
			return fmt.Errorf("%s missing", path)
		}
		return nil
	})
}

// TestLockAndWatchVerbs runs "concord lock" and "concord watch" as real
// processes against one real agent.
func TestLockAndWatchVerbs(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	const ip = "127.0.0.51"
	requireLoopbackAliases(t, ip)
	agent := newNode(t, "coord", ip, append([]string{"-server", "-bootstrap-expect", "1"}, joinArgs(ip)...)...)
	agent.start()
	addr := ip + ":8500"
	c := agent.client()
	eventually(t, 30*time.Second, "the agent elects itself", func() error {
		_, err := leaderOf(agent)
		if err != nil {
			return err
		}
		_, err = c.KV().Put(&api.KVPair{Key: "ready"}, nil)
		return err
	})

	t.Run("second lock waits for the first", func(t *testing.T) {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		first := startVerb(t, addr, "lock", "jobs/mutex", "touch "+a+"; sleep 4")
		waitFile(t, a, 15*time.Second)
		second := startVerb(t, addr, "lock", "jobs/mutex", "touch "+b)
		time.Sleep(time.Second)
		if exists(b) {
			t.Fatal("the second lock ran its command while the first held the lock")
		}
		if code := first.wait(t, 15*time.Second); code != 0 {
			t.Fatalf("first lock exit %d: %s", code, first.out.String())
		}
		released := time.Now()
		waitFile(t, b, 15*time.Second)
		t.Logf("second holder ran %v after the first exited", time.Since(released).Round(time.Millisecond))
		if code := second.wait(t, 15*time.Second); code != 0 {
			t.Fatalf("second lock exit %d: %s", code, second.out.String())
		}
		// Consul's key layout, and cleaned up after the last holder.
		pairs, _, err := c.KV().List("jobs/mutex", nil)
		if err != nil || len(pairs) != 0 {
			t.Fatalf("keys left under the prefix: %v, %v", pairs, err)
		}
	})

	t.Run("child exit code", func(t *testing.T) {
		v := startVerb(t, addr, "lock", "jobs/code", "exit 3")
		if code := v.wait(t, 15*time.Second); code != 3 {
			t.Fatalf("exit %d, want the child's 3: %s", code, v.out.String())
		}
	})

	t.Run("semaphore admits two", func(t *testing.T) {
		dir := t.TempDir()
		var runs []*verb
		for i := 0; i < 3; i++ {
			f := filepath.Join(dir, fmt.Sprint(i))
			runs = append(runs, startVerb(t, addr, "lock", "-n", "2", "jobs/sem", "touch "+f+"; sleep 5"))
		}
		count := func() int {
			n := 0
			for i := 0; i < 3; i++ {
				if exists(filepath.Join(dir, fmt.Sprint(i))) {
					n++
				}
			}
			return n
		}
		eventually(t, 15*time.Second, "two holders", func() error {
			if n := count(); n < 2 {
				return fmt.Errorf("%d holders", n)
			}
			return nil
		})
		time.Sleep(time.Second)
		if n := count(); n != 2 {
			t.Fatalf("%d holders of a semaphore with limit 2", n)
		}
		eventually(t, 20*time.Second, "the third holder", func() error {
			if n := count(); n != 3 {
				return fmt.Errorf("%d holders", n)
			}
			return nil
		})
		for _, r := range runs {
			if code := r.wait(t, 20*time.Second); code != 0 {
				t.Fatalf("semaphore holder exit %d: %s", code, r.out.String())
			}
		}
	})

	t.Run("child signalled when the session is destroyed", func(t *testing.T) {
		dir := t.TempDir()
		started, term := filepath.Join(dir, "started"), filepath.Join(dir, "term")
		script := fmt.Sprintf("trap 'echo got-term > %s; exit 0' TERM; touch %s; sleep 30", term, started)
		v := startVerb(t, addr, "lock", "-name", "doomed-holder", "jobs/doomed", script)
		waitFile(t, started, 15*time.Second)
		sessions, _, err := c.Session().List(nil)
		if err != nil {
			t.Fatal(err)
		}
		id := ""
		for _, s := range sessions {
			if s.Name == "doomed-holder" {
				id = s.ID
			}
		}
		if id == "" {
			t.Fatalf("no session named doomed-holder in %d sessions", len(sessions))
		}
		if _, err := c.Session().Destroy(id, nil); err != nil {
			t.Fatal(err)
		}
		destroyed := time.Now()
		waitFile(t, term, 5*time.Second)
		t.Logf("child saw SIGTERM %v after the destroy", time.Since(destroyed).Round(time.Millisecond))
		if code := v.wait(t, 10*time.Second); code == 0 {
			t.Fatalf("lock exited 0 after losing the lock: %s", v.out.String())
		}
		if !strings.Contains(v.out.String(), "Lock lost, killing child") {
			t.Errorf("output: %s", v.out.String())
		}
	})

	t.Run("watch key hands each write to its handler", func(t *testing.T) {
		dir := t.TempDir()
		handler := fmt.Sprintf(`cat > %[1]s/tmp.$$ && mv %[1]s/tmp.$$ %[1]s/out-$CONSUL_INDEX`, dir)
		w := startVerb(t, addr, "watch", "-type", "key", "-key", "flags/beta", handler)
		outputs := func() []string {
			names, _ := filepath.Glob(filepath.Join(dir, "out-*"))
			var got []string
			for _, n := range names {
				b, _ := os.ReadFile(n)
				got = append(got, string(b))
			}
			return got
		}
		eventually(t, 15*time.Second, "the handler's first run", func() error {
			if len(outputs()) == 0 {
				return fmt.Errorf("no run yet")
			}
			return nil
		})
		var lat []time.Duration
		for i := 0; i < 10; i++ {
			val := fmt.Sprintf("on-%d", i)
			want := fmt.Sprintf(`"Value": %q`, base64.StdEncoding.EncodeToString([]byte(val)))
			if _, err := c.KV().Put(&api.KVPair{Key: "flags/beta", Value: []byte(val)}, nil); err != nil {
				t.Fatal(err)
			}
			acked := time.Now()
			seen := false
			for j := 0; j < 5000 && !seen; j++ {
				for _, o := range outputs() {
					if strings.Contains(o, want) {
						seen = true
					}
				}
				if !seen {
					time.Sleep(time.Millisecond)
				}
			}
			if !seen {
				t.Fatalf("handler never saw %s: %q\n%s", val, outputs(), w.out.String())
			}
			lat = append(lat, time.Since(acked))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		t.Logf("write ack -> handler file: min %v median %v max %v (n=%d)",
			lat[0].Round(time.Microsecond*100), lat[len(lat)/2].Round(time.Microsecond*100),
			lat[len(lat)-1].Round(time.Microsecond*100), len(lat))
		if lat[len(lat)/2] > 100*time.Millisecond {
			t.Errorf("median handler latency %v, want within 100ms", lat[len(lat)/2])
		}
		// A no-op wake (a write elsewhere) runs no handler.
		before := len(outputs())
		c.KV().Put(&api.KVPair{Key: "flags/other", Value: []byte("x")}, nil)
		time.Sleep(300 * time.Millisecond)
		if n := len(outputs()); n != before {
			t.Errorf("handler ran %d times on a write to another key", n-before)
		}
		if w.exited() {
			t.Fatalf("watch exited: %s", w.out.String())
		}
	})

	t.Run("watch service fires on a health change", func(t *testing.T) {
		reg := &api.AgentServiceRegistration{
			Name: "web", ID: "web-1", Port: 8080,
			Check: &api.AgentServiceCheck{CheckID: "web-ttl", TTL: "10m", Status: api.HealthPassing},
		}
		if err := c.Agent().ServiceRegister(reg); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		handler := fmt.Sprintf(`cat > %[1]s/tmp.$$ && mv %[1]s/tmp.$$ %[1]s/out-$CONSUL_INDEX`, dir)
		startVerb(t, addr, "watch", "-type", "service", "-service", "web", handler)
		sawStatus := func(status string) func() error {
			return func() error {
				names, _ := filepath.Glob(filepath.Join(dir, "out-*"))
				sort.Slice(names, func(i, j int) bool { return indexOf(names[i]) < indexOf(names[j]) })
				if len(names) == 0 {
					return fmt.Errorf("no run yet")
				}
				b, _ := os.ReadFile(names[len(names)-1])
				if !strings.Contains(string(b), `"Status": "`+status+`"`) {
					return fmt.Errorf("latest run: %s", b)
				}
				return nil
			}
		}
		eventually(t, 15*time.Second, "the handler sees web passing", sawStatus(api.HealthPassing))
		if err := c.Agent().UpdateTTL("web-ttl", "down", api.HealthCritical); err != nil {
			t.Fatal(err)
		}
		flipped := time.Now()
		eventually(t, 5*time.Second, "the handler sees web critical", sawStatus(api.HealthCritical))
		t.Logf("service watch fired %v after the check went critical", time.Since(flipped).Round(time.Millisecond))
		if err := c.Agent().UpdateTTL("web-ttl", "up", api.HealthPassing); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, "the handler sees web passing again", sawStatus(api.HealthPassing))
	})
}

func indexOf(name string) int {
	var n int
	fmt.Sscanf(filepath.Base(name), "out-%d", &n)
	return n
}
