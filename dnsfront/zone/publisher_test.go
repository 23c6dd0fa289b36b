package zone

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestSerialSurvivesRestart: the same content keeps its serial across a
// restart (the state file), new content gets a larger one.
func TestSerialSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zone", StateFileName("geant.services."))
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	start := func() *Publisher {
		p, err := NewPublisher(Config{Params: testParams, StatePath: path, Now: clock.now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := start()
	p.publish(context.Background(), crowd)
	first := p.Zone().Serial
	clock.advance(time.Hour)
	p = start()
	p.publish(context.Background(), crowd)
	if got := p.Zone().Serial; got != first {
		t.Fatalf("serial after restart %d, want %d kept", got, first)
	}
	p.publish(context.Background(), crowd[:1])
	if got := p.Zone().Serial; got <= first {
		t.Fatalf("serial after a change %d, want above %d", got, first)
	}
}

func TestUpdateDiff(t *testing.T) {
	rrs, hash := Build(testParams, crowd)
	z := New(testParams, rrs, hash, 1)
	all := pushable(z)
	for _, rr := range all {
		if h := rr.Header(); h.Name == z.Origin {
			t.Errorf("apex record pushed: %v", rr)
		}
	}
	var prev []string
	for _, rr := range all {
		prev = append(prev, rr.String())
	}
	rrs2, hash2 := Build(testParams, crowd[:1])
	remove, add, err := diff(prev, pushable(New(testParams, rrs2, hash2, 2)))
	if err != nil || len(add) != 0 || len(remove) != 3 {
		t.Fatalf("diff: remove %v add %v err %v; want crowd02's A, host A and SRV removed", remove, add, err)
	}
	for _, rr := range remove {
		if a, ok := rr.(*dns.A); ok && a.A.String() != "1.1.1.11" {
			t.Errorf("removes %v", rr)
		}
	}
}

func TestNewRRsetsReplacedWhole(t *testing.T) {
	rrs, hash := Build(testParams, crowd[:1])
	var prev []string
	for _, rr := range pushable(New(testParams, rrs, hash, 1)) {
		prev = append(prev, rr.String())
	}
	rrs2, hash2 := Build(testParams, append(append([]Instance{}, crowd...),
		Instance{Service: "dash", Node: "n1", ID: "d", Address: "1.1.1.30", Port: 80}))
	_, add, err := diff(prev, pushable(New(testParams, rrs2, hash2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	sets, err := newRRsets(prev, add)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rr := range sets {
		got = append(got, rr.Header().Name+" "+dns.TypeToString[rr.Header().Rrtype])
	}
	// crowd's A and SRV sets were pushed before: only added to. The new
	// names' sets are replaced whole.
	want := "[_dash._tcp.geant.services. SRV dash.geant.services. A n1.dash.geant.services. A prod-crowd02.crowd.geant.services. A]"
	if fmt.Sprint(got) != want {
		t.Errorf("replaced sets %v\nwant %s", got, want)
	}
}
