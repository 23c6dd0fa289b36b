package acl

import "testing"

func TestServiceIdentity(t *testing.T) {
	a := compile(t, false, ServiceIdentityRules("web", []string{"dc1"}))
	checks := []struct {
		what string
		got  bool
		want bool
	}{
		{"ServiceWrite(web)", a.ServiceWrite("web"), true},
		{"ServiceWrite(web-sidecar-proxy)", a.ServiceWrite("web-sidecar-proxy"), true},
		{"ServiceWrite(web2)", a.ServiceWrite("web2"), false},
		{"ServiceWrite(db)", a.ServiceWrite("db"), false},
		{"ServiceRead(db)", a.ServiceRead("db"), true},
		{"NodeRead(n1)", a.NodeRead("n1"), true},
		{"NodeWrite(n1)", a.NodeWrite("n1"), false},
		{"KeyRead(k)", a.KeyRead("k"), false},
		{"ACLRead", a.ACLRead(), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if ServiceIdentityRules("web", nil) != ServiceIdentityRules("web", []string{"dc1", "dc2"}) {
		t.Error("datacenters changed the rules text")
	}
}

func TestNodeIdentity(t *testing.T) {
	a := compile(t, false, NodeIdentityRules("n1"))
	checks := []struct {
		what string
		got  bool
		want bool
	}{
		{"NodeWrite(n1)", a.NodeWrite("n1"), true},
		{"NodeWrite(n10)", a.NodeWrite("n10"), false},
		{"NodeRead(n2)", a.NodeRead("n2"), false},
		{"ServiceRead(web)", a.ServiceRead("web"), true},
		{"ServiceWrite(web)", a.ServiceWrite("web"), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

// TestIdentityQuoting: names reach the rules verbatim whatever they hold.
func TestIdentityQuoting(t *testing.T) {
	for _, name := range []string{"web", `a"b`, `a\b`, "a\nb", "a${x}b", "é", ""} {
		p, err := Parse(NodeIdentityRules(name))
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if got := p.rules[0]; got.res != resNode || got.segment != name || got.prefix {
			t.Errorf("%q: first rule %+v", name, got)
		}
	}
}
