package lan

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	key1 = []byte("key-one-16-bytes")
	key2 = []byte("key-two-is-24-bytes-long")
	key3 = []byte("key-three-is-32-bytes-long-here!")
)

func b64(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// encryptedPools starts pools with key on cl and joins them all to the
// first.
func encryptedPools(t *testing.T, cl *cluster, key []byte, names ...string) []*Pool {
	t.Helper()
	var pools []*Pool
	for _, n := range names {
		cfg := cl.config(n, nil)
		cfg.SecretKey = key
		pools = append(pools, cl.startWith(cfg))
	}
	for _, p := range pools[1:] {
		cl.join(p, names[0])
	}
	for _, n := range names {
		allSee(t, n, StatusAlive, pools...)
	}
	return pools
}

// failureWatch records every member-failed event the pools emit.
type failureWatch struct {
	mu     sync.Mutex
	failed []string
	wg     sync.WaitGroup
}

func watchFailures(t *testing.T, pools ...*Pool) *failureWatch {
	w := &failureWatch{}
	for _, p := range pools {
		ch, stop := p.Subscribe()
		t.Cleanup(stop)
		seer := p.config.NodeName
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for ev := range ch {
				if ev.Type == EventMemberFailed {
					w.mu.Lock()
					w.failed = append(w.failed, seer+" saw "+ev.Member.Name+" fail")
					w.mu.Unlock()
				}
			}
		}()
	}
	return w
}

func (w *failureWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.failed) > 0 {
		t.Fatalf("members were marked failed: %v", w.failed)
	}
}

func keyringOp(t *testing.T, p *Pool, op KeyringOp, key []byte) *KeyringReport {
	t.Helper()
	r, err := p.KeyringOperation(context.Background(), op, key)
	if err != nil {
		t.Fatalf("%s %s: %v", op, b64(key), err)
	}
	return r
}

// wantReport checks a successful report's counts.
func wantReport(t *testing.T, r *KeyringReport, n int, keys, primary map[string]int) {
	t.Helper()
	if err := r.Err(); err != nil || r.NumNodes != n || r.NumResp != n || len(r.Messages) != 0 {
		t.Fatalf("report %+v (err %v), want %d clean answers", r, err, n)
	}
	if !reflect.DeepEqual(r.Keys, keys) || !reflect.DeepEqual(r.PrimaryKeys, primary) {
		t.Fatalf("keys %v primary %v, want %v and %v", r.Keys, r.PrimaryKeys, keys, primary)
	}
}

func TestKeyring_SharedKeyAndOutsiders(t *testing.T) {
	cl := newCluster(t, "a", "b", "c", "nokey", "otherkey")
	pools := encryptedPools(t, cl, key1, "a", "b", "c")
	wantReport(t, keyringOp(t, pools[1], KeyringList, nil), 3,
		map[string]int{b64(key1): 3}, map[string]int{b64(key1): 3})
	if pools[0].Stats()["encrypted"] != "true" {
		t.Fatalf("stats: %v", pools[0].Stats())
	}

	plain := cl.start("nokey", nil)
	if _, err := plain.Join([]string{cl.addr("a")}); err == nil {
		t.Fatal("a pool without the key joined")
	}
	cfg := cl.config("otherkey", nil)
	cfg.SecretKey = key2
	other := cl.startWith(cfg)
	if _, err := other.Join([]string{cl.addr("b")}); err == nil {
		t.Fatal("a pool with another key joined")
	}
	for _, p := range pools {
		if st := status(p, "nokey"); st != StatusNone {
			t.Fatalf("%s sees the outsider as %s", p.config.NodeName, st)
		}
	}
}

// Rotation: install a new key everywhere, make it primary, remove the old
// one. Nobody fails along the way, and afterwards only the new key admits
// a newcomer.
func TestKeyring_Rotation(t *testing.T) {
	cl := newCluster(t, "a", "b", "c", "old", "new")
	pools := encryptedPools(t, cl, key1, "a", "b", "c")
	a, b, c := pools[0], pools[1], pools[2]
	watch := watchFailures(t, pools...)

	wantReport(t, keyringOp(t, b, KeyringInstall, key2), 3,
		map[string]int{b64(key1): 3, b64(key2): 3}, map[string]int{b64(key1): 3})
	wantReport(t, keyringOp(t, c, KeyringUse, key2), 3,
		map[string]int{b64(key1): 3, b64(key2): 3}, map[string]int{b64(key2): 3})

	// The primary key cannot be removed, on any member.
	r := keyringOp(t, a, KeyringRemove, key2)
	if r.NumErr != 3 || len(r.Messages) != 3 || !strings.Contains(r.Messages["b"], "primary key") ||
		r.Err() == nil || !strings.Contains(r.Err().Error(), "3/3 nodes reported failure") {
		t.Fatalf("removing the primary: %+v, err %v", r, r.Err())
	}

	wantReport(t, keyringOp(t, a, KeyringRemove, key1), 3,
		map[string]int{b64(key2): 3}, map[string]int{b64(key2): 3})

	// Gossip keeps flowing on the new key: several probe rounds later
	// every member is alive and none was ever marked failed.
	time.Sleep(20 * fastMemberlist().ProbeInterval)
	for _, n := range []string{"a", "b", "c"} {
		allSee(t, n, StatusAlive, pools...)
	}
	watch.check(t)
	for _, p := range pools {
		if got := p.KeyringKeys(); !reflect.DeepEqual(got, []string{b64(key2)}) {
			t.Fatalf("%s keys %v", p.config.NodeName, got)
		}
	}

	oldCfg := cl.config("old", nil)
	oldCfg.SecretKey = key1
	if _, err := cl.startWith(oldCfg).Join([]string{cl.addr("a")}); err == nil {
		t.Fatal("a pool with the removed key joined")
	}
	newCfg := cl.config("new", nil)
	newCfg.SecretKey = key2
	cl.join(cl.startWith(newCfg), "c")
	allSee(t, "new", StatusAlive, pools...)
}

// Rolling enablement: a member that has the key but accepts and sends
// plaintext (encrypt_verify_incoming and _outgoing false) lives with one
// that has no key at all.
func TestKeyring_PlaintextDuringRollout(t *testing.T) {
	cl := newCluster(t, "enc", "plain")
	cfg := cl.config("enc", nil)
	cfg.SecretKey = key1
	cfg.AllowPlaintextIn = true
	cfg.PlaintextOut = true
	enc := cl.startWith(cfg)
	plain := cl.start("plain", nil)
	watch := watchFailures(t, enc, plain)
	cl.join(plain, "enc")
	allSee(t, "enc", StatusAlive, enc, plain)
	allSee(t, "plain", StatusAlive, enc, plain)
	time.Sleep(20 * fastMemberlist().ProbeInterval)
	allSee(t, "plain", StatusAlive, enc)
	watch.check(t)

	// The keyless member answers keyring operations with an error.
	r := keyringOp(t, enc, KeyringList, nil)
	if r.NumNodes != 2 || r.NumResp != 2 || r.NumErr != 1 || !strings.Contains(r.Messages["plain"], "not enabled") ||
		r.Keys[b64(key1)] != 1 {
		t.Fatalf("list: %+v", r)
	}
}

func TestKeyring_BadRequests(t *testing.T) {
	cl := newCluster(t, "a")
	cfg := cl.config("a", nil)
	cfg.SecretKey = key1
	p := cl.startWith(cfg)
	if _, err := p.KeyringOperation(context.Background(), "rotate", key2); err == nil {
		t.Fatal("unknown operation accepted")
	}
	if _, err := p.KeyringOperation(context.Background(), KeyringInstall, []byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
	r := keyringOp(t, p, KeyringUse, key3)
	if r.NumErr != 1 || !strings.Contains(r.Messages["a"], "not in the keyring") {
		t.Fatalf("using a key not installed: %+v", r)
	}
}

// A member that does not answer in time is named in Messages; its late
// answer is dropped.
func TestKeyring_NoAnswer(t *testing.T) {
	cl := newCluster(t, "a", "b")
	pools := encryptedPools(t, cl, key1, "a", "b")
	a, b := pools[0], pools[1]
	a.config.KeyringTimeout = 200 * time.Millisecond
	b.keyMu.Lock() // b is stuck applying the operation
	r := keyringOp(t, a, KeyringList, nil)
	b.keyMu.Unlock()
	if r.NumNodes != 2 || r.NumResp != 1 || !strings.Contains(r.Messages["b"], "no answer within 200ms") ||
		r.Err() == nil || r.Err().Error() != "1/2 nodes reported success" {
		t.Fatalf("report with a silent member: %+v (err %v)", r, r.Err())
	}
	waitFor(t, "no operation pending", func() bool {
		a.pendingMu.Lock()
		defer a.pendingMu.Unlock()
		return len(a.pending) == 0
	}, nil)
	wantReport(t, keyringOp(t, a, KeyringList, nil), 2,
		map[string]int{b64(key1): 2}, map[string]int{b64(key1): 2})
}

func TestKeyring_Persistence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "serf", "local.keyring")
	cl := newCluster(t, "first", "second", "third", "bad")

	cfg := cl.config("first", nil)
	cfg.SecretKey = key1
	cfg.KeyringFile = file
	p := cl.startWith(cfg)
	if keys, err := readKeyringFile(file); err != nil || len(keys) != 1 || string(keys[0]) != string(key1) {
		t.Fatalf("keyring file after start: %v %v", keys, err)
	}
	keyringOp(t, p, KeyringInstall, key2)
	keyringOp(t, p, KeyringUse, key2)
	keyringOp(t, p, KeyringInstall, key3)
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keyring file: %v %v", fi, err)
	}
	cl.crash("first")

	// The saved keyring wins over the encrypt key given at start.
	cfg2 := cl.config("second", nil)
	cfg2.SecretKey = key1
	cfg2.KeyringFile = file
	p2 := cl.startWith(cfg2)
	want := []string{b64(key2), b64(key1), b64(key3)}
	if got := p2.KeyringKeys(); !reflect.DeepEqual(got, want) {
		t.Fatalf("keys after restart %v, want %v", got, want)
	}
	// Without an encrypt key the saved keyring still enables encryption.
	cl.crash("second")
	cfg3 := cl.config("third", nil)
	cfg3.KeyringFile = file
	if got := cl.startWith(cfg3).KeyringKeys(); !reflect.DeepEqual(got, want) {
		t.Fatalf("keys after a restart without -encrypt %v, want %v", got, want)
	}

	if err := os.WriteFile(file, []byte(`["not base64!"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := cl.config("bad", nil)
	bad.KeyringFile = file
	if p, err := New(bad); err == nil || !strings.Contains(err.Error(), "key 1") {
		if p != nil {
			p.Shutdown()
		}
		t.Fatalf("bad keyring file: %v", err)
	}
}
