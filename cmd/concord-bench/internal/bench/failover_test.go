package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestFailoverFakeKill(t *testing.T) {
	f, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Clients = 4
	o.Duration = 1200 * time.Millisecond
	o.KillAfter = 300 * time.Millisecond
	o.Kill = func(context.Context) error {
		f.down.Store(true) // no leader for 300 ms
		time.AfterFunc(300*time.Millisecond, func() { f.down.Store(false) })
		return nil
	}
	r, err := RunFailover(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, r, true)
	fo := r.Failover
	if fo == nil || !fo.Recovered || fo.Lost != 0 || fo.Missing != 0 || fo.WrongValue != 0 {
		t.Fatalf("%+v", fo)
	}
	if fo.UnavailableMS < 290 || fo.UnavailableMS > 1000 {
		t.Errorf("unavailable %vms for a 300ms outage", fo.UnavailableMS)
	}
	if fo.Acknowledged != r.Ops-r.Errors || fo.Acknowledged == 0 {
		t.Errorf("acknowledged %d, ops %d, errors %d", fo.Acknowledged, r.Ops, r.Errors)
	}
	if r.Errors == 0 || !strings.Contains(r.ErrorSamples[0].Message, "No cluster leader") {
		t.Errorf("the outage should show as errors: %d %+v", r.Errors, r.ErrorSamples)
	}
	if fo.KilledAtSec < 0.29 || fo.KilledAtSec > 0.6 {
		t.Errorf("killed at %vs", fo.KilledAtSec)
	}
}

// A kill that wipes the data must be reported as lost writes.
func TestFailoverDetectsLoss(t *testing.T) {
	f, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Clients = 2
	o.Duration = 600 * time.Millisecond
	o.KillAfter = 200 * time.Millisecond
	o.Kill = func(context.Context) error {
		f.mu.Lock()
		for k := range f.kv {
			if strings.HasSuffix(k, "/3") {
				f.kv[k] = []byte("garbage")
			} else {
				delete(f.kv, k)
			}
		}
		f.mu.Unlock()
		return nil
	}
	r, err := RunFailover(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	fo := r.Failover
	if fo.Lost == 0 || fo.WrongValue != 2 || fo.Missing+fo.WrongValue != fo.Lost || len(fo.LostSamples) == 0 {
		t.Fatalf("%+v", fo)
	}
	if !fo.Recovered || fo.UnavailableMS > 200 {
		t.Errorf("no outage expected: %+v", fo)
	}
}

func TestFailoverReadbackGivesUp(t *testing.T) {
	f, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Clients = 2
	o.Duration = 400 * time.Millisecond
	o.KillAfter = 100 * time.Millisecond
	o.ReadbackTimeout = 500 * time.Millisecond
	o.Kill = func(context.Context) error { f.down.Store(true); return nil }
	r, err := RunFailover(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "read-back") || r == nil {
		t.Fatalf("err = %v", err)
	}
	if r.Failover.Recovered || r.Failover.UnavailableMS != -1 {
		t.Errorf("%+v", r.Failover)
	}
}

func TestFailoverOptions(t *testing.T) {
	o := DefaultOptions()
	if _, err := RunFailover(context.Background(), o); err == nil {
		t.Error("failover without a kill accepted")
	}
	o.KillPID, o.KillCmd = 1, "true"
	if _, err := RunFailover(context.Background(), o); err == nil {
		t.Error("-kill-pid with -kill-cmd accepted")
	}
	o.KillPID = 0
	kill, desc, err := o.killer()
	if err != nil || !strings.Contains(desc, "sh -c") || kill(context.Background()) != nil {
		t.Errorf("kill-cmd: %v %q", err, desc)
	}
	o.KillCmd = "echo boom; exit 3"
	kill, _, _ = o.killer()
	if err := kill(context.Background()); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing kill-cmd: %v", err)
	}
}

func TestFailoverEndsBeforeKill(t *testing.T) {
	_, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Duration = 200 * time.Millisecond
	o.KillAfter = time.Hour
	o.Kill = func(context.Context) error { t.Error("killed"); return nil }
	if _, err := RunFailover(context.Background(), o); err == nil || !strings.Contains(err.Error(), "nothing was killed") {
		t.Errorf("err = %v", err)
	}
}
