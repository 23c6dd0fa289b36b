package zone

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

var testParams = Params{Origin: "geant.services", NS: []string{"ns"}, NSAddrs: map[string]string{"ns": "127.0.0.1"},
	TTL: 30, Refresh: 3600, Retry: 600, Expire: 86400}

// The GÉANT seed's example: crowd on prod-crowd01 (1.1.1.10) and
// prod-crowd02 (1.1.1.11).
var crowd = []Instance{
	{Service: "crowd", Node: "prod-crowd01", ID: "crowd", Address: "1.1.1.10", Port: 8095},
	{Service: "crowd", Node: "prod-crowd02", ID: "crowd", Address: "1.1.1.11", Port: 8095},
}

func TestBuildZone(t *testing.T) {
	insts := append(append([]Instance{}, crowd...),
		Instance{Service: "Dash_Board", Node: "node1", ID: "d1", Address: "2001:db8::1", Port: 443},
		Instance{Service: "hostnamed", Node: "n", ID: "h", Address: "db.example.org", Port: 1})
	rrs, hash := Build(testParams, insts)
	z := New(testParams, rrs, hash, 7)
	text := z.Text()
	for _, want := range []string{
		"$ORIGIN geant.services.\n",
		"geant.services.\t30\tIN\tSOA\tns.geant.services. hostmaster.geant.services. 7 3600 600 86400 0\n",
		"geant.services.\t30\tIN\tNS\tns.geant.services.\n",
		"ns.geant.services.\t30\tIN\tA\t127.0.0.1\n",
		"crowd.geant.services.\t30\tIN\tA\t1.1.1.10\n",
		"crowd.geant.services.\t30\tIN\tA\t1.1.1.11\n",
		"prod-crowd01.crowd.geant.services.\t30\tIN\tA\t1.1.1.10\n",
		"_crowd._tcp.geant.services.\t30\tIN\tSRV\t1 1 8095 prod-crowd01.crowd.geant.services.\n",
		"_crowd._tcp.geant.services.\t30\tIN\tSRV\t1 1 8095 prod-crowd02.crowd.geant.services.\n",
		"dash-board.geant.services.\t30\tIN\tAAAA\t2001:db8::1\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("zone lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "hostnamed") {
		t.Errorf("an instance without an IP address is in the zone:\n%s", text)
	}
	if !strings.HasPrefix(text, "$ORIGIN geant.services.\ngeant.services.\t30\tIN\tSOA") {
		t.Errorf("the SOA is not first:\n%s", text)
	}
	// The text is a zone file: it parses back to the same records.
	zp := dns.NewZoneParser(strings.NewReader(text), "", "")
	n := 0
	for _, ok := zp.Next(); ok; _, ok = zp.Next() {
		n++
	}
	if err := zp.Err(); err != nil || n != len(z.Records) {
		t.Errorf("parsed %d of %d records: %v", n, len(z.Records), err)
	}
	// Order does not matter to the hash; content does.
	_, again := Build(testParams, []Instance{insts[3], insts[2], insts[1], insts[0]})
	_, other := Build(testParams, crowd[:1])
	if again != hash || other == hash {
		t.Errorf("hash: same content %v, other content differs %v", again == hash, other != hash)
	}
	if rrs, ok := z.Lookup("CROWD.geant.services.", dns.TypeA); !ok || len(rrs) != 2 {
		t.Errorf("Lookup(crowd, A) = %v, %v", rrs, ok)
	}
	if _, ok := z.Lookup("crowd.geant.services.", dns.TypeTXT); !ok {
		t.Error("crowd does not exist for TXT (want NODATA, not NXDOMAIN)")
	}
	if _, ok := z.Lookup("_tcp.geant.services.", dns.TypeA); !ok {
		t.Error("an empty non-terminal is NXDOMAIN")
	}
	if _, ok := z.Lookup("nope.geant.services.", dns.TypeA); ok {
		t.Error("an unknown name exists")
	}
}

func TestNextSerial(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC).Unix()
	if s := NextSerial(0, "", "h1", now); s != uint32(now) {
		t.Errorf("first serial %d, want the Unix time %d", s, now)
	}
	if s := NextSerial(100, "h1", "h1", now); s != 100 {
		t.Errorf("same content: serial %d, want 100 kept", s)
	}
	if s := NextSerial(uint32(now)+5, "h1", "h2", now); s != uint32(now)+6 {
		t.Errorf("new content, serial ahead of the clock: %d, want +1", s)
	}
	if s := NextSerial(100, "h1", "h2", now); s != uint32(now) {
		t.Errorf("new content: %d, want the Unix time", s)
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestDamperNeedsMinStable(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	d := &Damper{MinStable: 2 * time.Second, Now: clock.now}
	both, one := crowd, crowd[:1]
	if got, changed := d.Observe(both); !changed || len(got) != 2 {
		t.Fatalf("first observation: %v %v, want both published at once", got, changed)
	}
	// crowd02 fails: it stays published until it has been gone 2 s.
	if got, changed := d.Observe(one); changed || len(got) != 2 {
		t.Fatalf("just failed: %v %v", got, changed)
	}
	clock.advance(1500 * time.Millisecond)
	if got, changed := d.Observe(one); changed || len(got) != 2 || d.Pending() != 1 {
		t.Fatalf("failed 1.5 s ago: %v %v", got, changed)
	}
	clock.advance(500 * time.Millisecond)
	if got, changed := d.Observe(one); !changed || len(got) != 1 || got[0].Node != "prod-crowd01" {
		t.Fatalf("failed 2 s ago: %v %v, want crowd02 gone", got, changed)
	}
	// It comes back: again only after 2 s.
	if _, changed := d.Observe(both); changed {
		t.Fatal("came back: published at once")
	}
	clock.advance(2 * time.Second)
	if got, changed := d.Observe(both); !changed || len(got) != 2 {
		t.Fatalf("back for 2 s: %v %v", got, changed)
	}
}

func TestDamperFlappingNeverChanges(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	d := &Damper{MinStable: 2 * time.Second, Now: clock.now}
	d.Observe(crowd)
	// A check that flips every second, observed four times a second, for
	// a minute: the published set never changes.
	for i := 0; i < 240; i++ {
		cur := crowd
		if (i/4)%2 == 1 {
			cur = crowd[:1]
		}
		if got, changed := d.Observe(cur); changed || len(got) != 2 {
			t.Fatalf("step %d: published %v changed %v", i, got, changed)
		}
		clock.advance(250 * time.Millisecond)
	}
}
