package dnsfront

import (
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		in     string
		inZone bool
		want   question
	}{
		{"web.service.consul.", true, question{kind: kindService, name: "web", domain: "consul."}},
		{"Web.Service.DC2.consul", true, question{kind: kindService, name: "web", dc: "dc2", domain: "consul."}},
		{"v1.web.service.consul.", true, question{kind: kindService, name: "web", tag: "v1", domain: "consul."}},
		{"_web._v1.service.consul.", true, question{kind: kindService, name: "web", tag: "v1", domain: "consul."}},
		{"_web._tcp.service.dc1.consul.", true, question{kind: kindService, name: "web", dc: "dc1", domain: "consul."}},
		{"db1.node.consul.", true, question{kind: kindNode, name: "db1", domain: "consul."}},
		{"q.query.consul.", true, question{kind: kindQuery, name: "q", domain: "consul."}},
		{"consul.", true, question{kind: kindApex, domain: "consul."}},
		{"web.service.alt.", true, question{kind: kindService, name: "web", domain: "alt."}},
		{"x.y.z.consul.", true, question{kind: kindUnknown, domain: "consul."}},
		{"service.consul.", true, question{kind: kindUnknown, domain: "consul."}},
		{"example.com.", false, question{}},
		{"xconsul.", false, question{}},
	} {
		got, inZone := parseName(tc.in, "consul.", "alt.")
		if inZone != tc.inZone || got.kind != tc.want.kind || got.name != tc.want.name || got.tag != tc.want.tag ||
			got.dc != tc.want.dc || got.domain != tc.want.domain {
			t.Errorf("%s: %+v %v, want %+v %v", tc.in, got, inZone, tc.want, tc.inZone)
		}
	}
}

// FuzzParseName: no name makes the parser panic, and what it returns is
// consistent. The seeds run in every go test.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"web.service.consul.", "_a._b.service.dc1.consul.", "db1.node.consul", "consul.",
		"1.0.0.10.in-addr.arpa.", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		"..consul.", ".", "", "a..service.consul.", "0a000001.addr.consul.", "zz.addr.consul.",
		strings.Repeat("a.", 200) + "consul.", "\\..service.consul.", "_._.service.consul.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		q, inZone := parseName(name, "consul.", "alt.consul.")
		if q.kind == kindPTR && q.ip == nil {
			t.Fatalf("PTR without an address: %q", name)
		}
		if !inZone && q.kind != kindUnknown && q.kind != kindPTR {
			t.Fatalf("%q: kind %d outside the zone", name, q.kind)
		}
		if inZone && q.domain == "" {
			t.Fatalf("%q: in the zone without a domain", name)
		}
		if q.kind == kindService && q.name == "" {
			t.Fatalf("%q: service without a name", name)
		}
	})
}
