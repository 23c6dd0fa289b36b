package acl

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRuleKinds(t *testing.T) {
	tests := []struct {
		rules string
		want  []rule
	}{
		{``, nil},
		{"# only a comment\n", nil},
		{`key "a/b" { policy = "read" }`, []rule{{res: resKey, segment: "a/b", access: AccessRead}}},
		{`key_prefix "a/" { policy = "list" }`, []rule{{res: resKey, segment: "a/", prefix: true, access: AccessList}}},
		{`service "web" { policy = "write" }`, []rule{{res: resService, segment: "web", access: AccessWrite}}},
		{`service_prefix "" { policy = "read" }`, []rule{{res: resService, prefix: true, access: AccessRead}}},
		{`node "n1" { policy = "deny" }`, []rule{{res: resNode, segment: "n1", access: AccessDeny}}},
		{`node_prefix "n" { policy = "write" }`, []rule{{res: resNode, segment: "n", prefix: true, access: AccessWrite}}},
		{`agent "n1" { policy = "read" }`, []rule{{res: resAgent, segment: "n1", access: AccessRead}}},
		{`agent_prefix "" { policy = "read" }`, []rule{{res: resAgent, prefix: true, access: AccessRead}}},
		{`session "n1" { policy = "write" }`, []rule{{res: resSession, segment: "n1", access: AccessWrite}}},
		{`session_prefix "" { policy = "deny" }`, []rule{{res: resSession, prefix: true, access: AccessDeny}}},
		{`event "deploy" { policy = "write" }`, []rule{{res: resEvent, segment: "deploy", access: AccessWrite}}},
		{`event_prefix "" { policy = "read" }`, []rule{{res: resEvent, prefix: true, access: AccessRead}}},
		{`query "q" { policy = "write" }`, []rule{{res: resQuery, segment: "q", access: AccessWrite}}},
		{`query_prefix "" { policy = "read" }`, []rule{{res: resQuery, prefix: true, access: AccessRead}}},
		{`operator = "read"`, []rule{{res: resOperator, access: AccessRead}}},
		{`keyring = "write"`, []rule{{res: resKeyring, access: AccessWrite}}},
		{`acl = "write"`, []rule{{res: resACL, access: AccessWrite}}},
		{`mesh = "deny"`, []rule{{res: resMesh, access: AccessDeny}}},
		// Legacy service rules carry intentions, which concord ignores.
		{`service "web" { policy = "write" intentions = "read" }`, []rule{{res: resService, segment: "web", access: AccessWrite}}},
		{`service_prefix "" { intentions = "read" }`, nil},
		// A block grouping segments, as Consul's decoder also accepts.
		{`key_prefix { "a/" { policy = "read" } "b/" { policy = "write" } }`, []rule{
			{res: resKey, segment: "a/", prefix: true, access: AccessRead},
			{res: resKey, segment: "b/", prefix: true, access: AccessWrite},
		}},
		{`key "quote\"d" { policy = "read" }`, []rule{{res: resKey, segment: `quote"d`, access: AccessRead}}},
	}
	for _, tt := range tests {
		p, err := Parse(tt.rules)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.rules, err)
			continue
		}
		if !reflect.DeepEqual(p.rules, tt.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.rules, p.rules, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		rules string
		want  string // a substring of the error
	}{
		{`key_prefix "app/" { policy = "writ" }`, `key_prefix "app/": invalid policy "writ"`},
		{`{"key_prefix": {"app/": {"policy": "writ"}}}`, `key_prefix "app/": invalid policy "writ"`},
		{`service "web" { policy = "list" }`, `service "web": invalid policy "list" (list is only for key and key_prefix)`},
		{`node_prefix "" { policy = "list" }`, `node_prefix "": invalid policy "list"`},
		{`operator = "list"`, `operator: invalid policy "list"`},
		{`acl = "manage"`, `acl: invalid policy "manage"`},
		{`keyring = 1`, `keyring: expected a policy string`},
		{`mesh "x" { policy = "read" }`, `mesh: takes no segment`},
		{`namespace "ns" { policy = "read" }`, `unknown rule "namespace"`},
		{`peering = "read"`, `unknown rule "peering"`},
		{`keys "a" { policy = "read" }`, `unknown rule "keys"`},
		{`operator_prefix "" { policy = "read" }`, `unknown rule "operator_prefix"`},
		{`key "a" { }`, `key "a": missing policy`},
		{`key "a" { polcy = "read" }`, `key "a": unknown field "polcy"`},
		{`key "a" { intentions = "read" }`, `key "a": unknown field "intentions"`},
		{`service "a" { policy = "read" intentions = "list" }`, `service "a": invalid intentions "list"`},
		{`key "a" { policy = 3 }`, `key "a": policy must be a string`},
		{`key "a" = "read"`, `malformed rules`},
		{`{"key": {"a": "read"}}`, `key "a": expected { policy`},
		{`key = "read"`, `key: expected key "<segment>"`},
		{`key "a" "b" { policy = "read" }`, `key "a": too many labels`},
		{`key "a" { policy = "read" `, `malformed rules`},
		{`key "a" { policy = "read" }}`, `malformed rules`},
		{`{"key": {"a": {"policy": "read"}}`, `malformed rules`},
		{`policy = "read"`, `unknown rule "policy"`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.rules)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v, want one containing %q", tt.rules, err, tt.want)
		}
	}
}

// TestParseJSONMatchesHCL parses Consul's documented example in both
// forms and expects the same rules and the same compiled authorizer.
func TestParseJSONMatchesHCL(t *testing.T) {
	const hclRules = `
key_prefix "" { policy = "read" }
key_prefix "foo/" { policy = "write" }
key_prefix "foo/private/" { policy = "deny" }
key "foo/bar/secret" { policy = "deny" }
service_prefix "" { policy = "read" }
service "web" { policy = "write" }
node_prefix "" { policy = "read" }
agent "n1" { policy = "write" }
session_prefix "" { policy = "write" }
event_prefix "deploy-" { policy = "write" }
query_prefix "" { policy = "read" }
operator = "read"
keyring = "write"
acl = "read"
mesh = "write"
`
	const jsonRules = `{
  "key_prefix": {
    "": {"policy": "read"},
    "foo/": {"policy": "write"},
    "foo/private/": {"policy": "deny"}
  },
  "key": {"foo/bar/secret": {"policy": "deny"}},
  "service_prefix": {"": {"policy": "read"}},
  "service": {"web": {"policy": "write"}},
  "node_prefix": {"": {"policy": "read"}},
  "agent": {"n1": {"policy": "write"}},
  "session_prefix": {"": {"policy": "write"}},
  "event_prefix": {"deploy-": {"policy": "write"}},
  "query_prefix": {"": {"policy": "read"}},
  "operator": "read",
  "keyring": "write",
  "acl": "read",
  "mesh": "write"
}`
	h, err := Parse(hclRules)
	if err != nil {
		t.Fatal(err)
	}
	j, err := Parse(jsonRules)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.rules) != 15 {
		t.Fatalf("HCL gave %d rules, want 15", len(h.rules))
	}
	if !reflect.DeepEqual(h.rules, j.rules) {
		t.Fatalf("HCL and JSON differ:\n%+v\n%+v", h.rules, j.rules)
	}
	for _, def := range []bool{false, true} {
		if !reflect.DeepEqual(New(def, h), New(def, j)) {
			t.Errorf("default %v: HCL and JSON compile to different authorizers", def)
		}
	}
}

// TestParseJSONList accepts the list form of repeated blocks.
func TestParseJSONList(t *testing.T) {
	p, err := Parse(`{"key": [{"a": {"policy": "read"}}, {"b": {"policy": "write"}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []rule{{res: resKey, segment: "a", access: AccessRead}, {res: resKey, segment: "b", access: AccessWrite}}
	if !reflect.DeepEqual(p.rules, want) {
		t.Errorf("rules = %+v, want %+v", p.rules, want)
	}
}

// FuzzParse checks that no input makes Parse or the authorizer panic. The
// seeds run in every `go test`; `go test -fuzz FuzzParse ./acl` explores.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		``,
		`key_prefix "" { policy = "read" } key "a" { policy = "deny" }`,
		`{"key_prefix": {"app/": {"policy": "write"}}, "operator": "read"}`,
		`service "web" { policy = "write" intentions = "read" }`,
		`key_prefix { "a/" { policy = "list" } }`,
		`acl = "write" mesh = "read" keyring = "deny"`,
		`key "a" { policy = "read" `,
		`{"key": [{"a": {"policy": "read"}}]}`,
		"key \"\\u00e9\\\"\" { policy = <<EOT\nread\nEOT\n}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rules string) {
		p, err := Parse(rules)
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned a policy with error %v", err)
			}
			return
		}
		for _, def := range []bool{false, true} {
			a := New(def, p)
			for _, name := range []string{"", "a", "app/x", rules} {
				a.KeyRead(name)
				a.KeyWritePrefix(name)
				a.ServiceWrite(name)
			}
			a.MeshWrite()
			a.ACLRead()
		}
	})
}
