package acl

import (
	"fmt"
	"testing"
)

// compile parses each rules text as one policy and merges them.
func compile(t testing.TB, defaultAllow bool, rules ...string) Authorizer {
	t.Helper()
	var ps []*Policy
	for _, r := range rules {
		p, err := Parse(r)
		if err != nil {
			t.Fatalf("Parse(%q): %v", r, err)
		}
		ps = append(ps, p)
	}
	return New(defaultAllow, ps...)
}

// segmented lists each segmented resource's rule word and its read and
// write decisions.
var segmented = []struct {
	word        string
	read, write func(Authorizer, string) bool
}{
	{"key", Authorizer.KeyRead, Authorizer.KeyWrite},
	{"service", Authorizer.ServiceRead, Authorizer.ServiceWrite},
	{"node", Authorizer.NodeRead, Authorizer.NodeWrite},
	{"agent", Authorizer.AgentRead, Authorizer.AgentWrite},
	{"session", Authorizer.SessionRead, Authorizer.SessionWrite},
	{"event", Authorizer.EventRead, Authorizer.EventWrite},
	{"query", Authorizer.PreparedQueryRead, Authorizer.PreparedQueryWrite},
}

// TestSegmentedRules runs the same rules through every segmented resource:
// exact beats prefix, the longest prefix wins, write implies read, and no
// rule means the default.
func TestSegmentedRules(t *testing.T) {
	for _, r := range segmented {
		t.Run(r.word, func(t *testing.T) {
			rules := fmt.Sprintf(`
%[1]s_prefix "" { policy = "read" }
%[1]s_prefix "app" { policy = "write" }
%[1]s_prefix "app-secret" { policy = "deny" }
%[1]s "app-secret-public" { policy = "read" }
%[1]s "app" { policy = "deny" }
%[1]s "lone" { policy = "write" }
`, r.word)
			a := compile(t, false, rules)
			tests := []struct {
				name        string
				read, write bool
			}{
				{"other", true, false},                // prefix ""
				{"", true, false},                     // prefix "" covers the empty name
				{"app", false, false},                 // exact deny beats prefix write
				{"app-web", true, true},               // prefix "app": write implies read
				{"appx", true, true},                  // prefixes are plain string prefixes
				{"app-secret", false, false},          // longest prefix wins: deny
				{"app-secret-x", false, false},        // still under the deny prefix
				{"app-secret-public", true, false},    // exact read beats the deny prefix
				{"app-secret-public-2", false, false}, // exact rules match only their name
				{"lone", true, true},
				{"lonely", true, false},
			}
			for _, tt := range tests {
				if got := r.read(a, tt.name); got != tt.read {
					t.Errorf("read %q = %v, want %v", tt.name, got, tt.read)
				}
				if got := r.write(a, tt.name); got != tt.write {
					t.Errorf("write %q = %v, want %v", tt.name, got, tt.write)
				}
			}

			// Only rules for this resource count: others fall to the default.
			other := segmented[0]
			if other.word == r.word {
				other = segmented[1]
			}
			for _, def := range []bool{false, true} {
				a := compile(t, def, rules)
				if got := other.read(a, "app-web"); got != def {
					t.Errorf("default %v: %s read with only %s rules = %v", def, other.word, r.word, got)
				}
				if got := other.write(a, "app-web"); got != def {
					t.Errorf("default %v: %s write with only %s rules = %v", def, other.word, r.word, got)
				}
			}
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	for _, def := range []bool{false, true} {
		a := compile(t, def, `key_prefix "app/" { policy = "read" }`)
		if got := a.KeyRead("other"); got != def {
			t.Errorf("default %v: KeyRead(other) = %v", def, got)
		}
		if got := a.KeyWrite("other"); got != def {
			t.Errorf("default %v: KeyWrite(other) = %v", def, got)
		}
		if got := a.KeyWrite("app/x"); got {
			t.Errorf("default %v: KeyWrite under a read rule allowed", def)
		}
		if !a.KeyRead("app/x") {
			t.Errorf("default %v: KeyRead under a read rule denied", def)
		}
		for name, f := range map[string]func() bool{
			"OperatorRead": a.OperatorRead, "OperatorWrite": a.OperatorWrite,
			"KeyringRead": a.KeyringRead, "KeyringWrite": a.KeyringWrite,
			"MeshRead": a.MeshRead, "MeshWrite": a.MeshWrite,
		} {
			if got := f(); got != def {
				t.Errorf("default %v: %s = %v", def, name, got)
			}
		}
		// ACL management needs a rule even when the default allows.
		if a.ACLRead() || a.ACLWrite() {
			t.Errorf("default %v: ACL access without an acl rule", def)
		}
	}
}

// TestUnsegmentedRules covers operator, keyring, acl and mesh, under both
// defaults: a rule decides whatever the default.
func TestUnsegmentedRules(t *testing.T) {
	type pair struct{ read, write func(Authorizer) bool }
	resources := map[string]pair{
		"operator": {Authorizer.OperatorRead, Authorizer.OperatorWrite},
		"keyring":  {Authorizer.KeyringRead, Authorizer.KeyringWrite},
		"acl":      {Authorizer.ACLRead, Authorizer.ACLWrite},
		"mesh":     {Authorizer.MeshRead, Authorizer.MeshWrite},
	}
	dispositions := []struct {
		policy      string
		read, write bool
	}{
		{"deny", false, false},
		{"read", true, false},
		{"write", true, true},
	}
	for word, f := range resources {
		for _, d := range dispositions {
			for _, def := range []bool{false, true} {
				a := compile(t, def, fmt.Sprintf("%s = %q", word, d.policy))
				if got := f.read(a); got != d.read {
					t.Errorf("%s = %q, default %v: read = %v, want %v", word, d.policy, def, got, d.read)
				}
				if got := f.write(a); got != d.write {
					t.Errorf("%s = %q, default %v: write = %v, want %v", word, d.policy, def, got, d.write)
				}
			}
		}
	}
}

// TestMeshFallsBackToOperator: without a mesh rule the operator rule
// governs mesh, as in Consul; a mesh rule overrides it.
func TestMeshFallsBackToOperator(t *testing.T) {
	tests := []struct {
		rules       string
		def         bool
		read, write bool
	}{
		{`operator = "write"`, false, true, true},
		{`operator = "read"`, false, true, false},
		{`operator = "deny"`, true, false, false},
		{`operator = "write"
mesh = "read"`, false, true, false},
		{`operator = "deny"
mesh = "write"`, false, true, true},
	}
	for _, tt := range tests {
		a := compile(t, tt.def, tt.rules)
		if a.MeshRead() != tt.read || a.MeshWrite() != tt.write {
			t.Errorf("%q default %v: mesh read/write = %v/%v, want %v/%v",
				tt.rules, tt.def, a.MeshRead(), a.MeshWrite(), tt.read, tt.write)
		}
	}
}

// TestKeyList: list, read and write on a prefix all allow listing it;
// list also allows reading.
func TestKeyList(t *testing.T) {
	a := compile(t, false, `
key_prefix "l/" { policy = "list" }
key_prefix "r/" { policy = "read" }
key_prefix "w/" { policy = "write" }
key_prefix "d/" { policy = "deny" }
`)
	tests := []struct {
		prefix            string
		list, read, write bool
	}{
		{"l/", true, true, false},
		{"r/", true, true, false},
		{"w/", true, true, true},
		{"d/", false, false, false},
		{"none/", false, false, false},
	}
	for _, tt := range tests {
		if a.KeyList(tt.prefix) != tt.list || a.KeyRead(tt.prefix+"k") != tt.read || a.KeyWrite(tt.prefix+"k") != tt.write {
			t.Errorf("%q: list/read/write = %v/%v/%v, want %v/%v/%v", tt.prefix,
				a.KeyList(tt.prefix), a.KeyRead(tt.prefix+"k"), a.KeyWrite(tt.prefix+"k"), tt.list, tt.read, tt.write)
		}
	}
}

func TestKeyWritePrefix(t *testing.T) {
	tests := []struct {
		rules  string
		def    bool
		prefix string
		want   bool
	}{
		{`key_prefix "app/" { policy = "write" }`, false, "app/", true},
		{`key_prefix "app/" { policy = "write" }`, false, "app/sub/", true},
		{`key_prefix "app/" { policy = "write" }`, false, "ap", false}, // keys under "ap" outside app/ are denied
		{`key_prefix "app/" { policy = "write" }`, true, "ap", true},   // ... unless the default allows
		{`key_prefix "app/" { policy = "read" }`, true, "app/", false},
		{`key "app/" { policy = "write" }`, false, "app/", false}, // an exact rule covers only "app/" itself
		{`key_prefix "app/" { policy = "write" }
key "app/x" { policy = "read" }`, false, "app/", false},
		{`key_prefix "app/" { policy = "write" }
key "app/x" { policy = "read" }`, false, "app/y", true},
		{`key_prefix "app/" { policy = "write" }
key_prefix "app/locked/" { policy = "deny" }`, false, "app/", false},
		{`key_prefix "app/" { policy = "write" }
key_prefix "app/locked/" { policy = "deny" }`, false, "app/lo", false},
		{`key_prefix "app/" { policy = "write" }
key_prefix "app/locked/" { policy = "deny" }`, false, "app/open/", true},
		{`key_prefix "app/" { policy = "write" }
key_prefix "app/sub/" { policy = "write" }
key "app/sub/k" { policy = "write" }`, false, "app/", true},
		{`key_prefix "app/" { policy = "write" }
key_prefix "app/ro/" { policy = "list" }`, false, "app/", false},
		{`key_prefix "app/" { policy = "write" }
key "app/" { policy = "read" }`, false, "app/", false}, // the delete would remove the key "app/"
		{`key_prefix "" { policy = "write" }
key "z" { policy = "deny" }`, false, "", false},
		{`key_prefix "" { policy = "write" }
key "z" { policy = "deny" }`, false, "a", true},
		{`key_prefix "" { policy = "deny" }
key_prefix "app/" { policy = "write" }`, false, "app/", true},
		{`service_prefix "" { policy = "write" }`, true, "app/", true},
		{`service_prefix "" { policy = "write" }`, false, "app/", false},
	}
	for _, tt := range tests {
		a := compile(t, tt.def, tt.rules)
		if got := a.KeyWritePrefix(tt.prefix); got != tt.want {
			t.Errorf("%q default %v: KeyWritePrefix(%q) = %v, want %v", tt.rules, tt.def, tt.prefix, got, tt.want)
		}
	}
}

// TestMerge: across a token's policies, deny at the same segment wins,
// otherwise the strongest grant; different segments keep their own
// precedence (a more specific allow beats a less specific deny).
func TestMerge(t *testing.T) {
	tests := []struct {
		policies    []string
		key         string
		read, write bool
	}{
		{[]string{`key_prefix "a/" { policy = "write" }`, `key_prefix "a/" { policy = "deny" }`}, "a/x", false, false},
		{[]string{`key_prefix "a/" { policy = "deny" }`, `key_prefix "a/" { policy = "write" }`}, "a/x", false, false},
		{[]string{`key_prefix "a/" { policy = "read" }`, `key_prefix "a/" { policy = "write" }`}, "a/x", true, true},
		{[]string{`key_prefix "a/" { policy = "write" }`, `key_prefix "a/" { policy = "read" }`}, "a/x", true, true},
		{[]string{`key_prefix "a/" { policy = "list" }`, `key_prefix "a/" { policy = "read" }`}, "a/x", true, false},
		{[]string{`key "a/x" { policy = "deny" }`, `key "a/x" { policy = "write" }`}, "a/x", false, false},
		// Deny in one policy and a grant in another at different segments.
		{[]string{`key_prefix "" { policy = "deny" }`, `key_prefix "a/" { policy = "read" }`}, "a/x", true, false},
		{[]string{`key_prefix "" { policy = "deny" }`, `key_prefix "a/" { policy = "read" }`}, "b/x", false, false},
		{[]string{`key_prefix "a/" { policy = "write" }`, `key "a/x" { policy = "deny" }`}, "a/x", false, false},
		{[]string{`key_prefix "a/" { policy = "deny" }`, `key "a/x" { policy = "write" }`}, "a/x", true, true},
		// An exact rule and a prefix rule for the same segment do not merge.
		{[]string{`key "a" { policy = "deny" }`, `key_prefix "a" { policy = "write" }`}, "a", false, false},
		{[]string{`key "a" { policy = "deny" }`, `key_prefix "a" { policy = "write" }`}, "ab", true, true},
		// The same segment twice in one policy merges the same way.
		{[]string{`key_prefix "a/" { policy = "write" }
key_prefix "a/" { policy = "deny" }`}, "a/x", false, false},
	}
	for _, tt := range tests {
		a := compile(t, true, tt.policies...)
		if a.KeyRead(tt.key) != tt.read || a.KeyWrite(tt.key) != tt.write {
			t.Errorf("%q: %q read/write = %v/%v, want %v/%v", tt.policies, tt.key,
				a.KeyRead(tt.key), a.KeyWrite(tt.key), tt.read, tt.write)
		}
	}

	// Unsegmented rules merge the same way.
	bare := []struct {
		policies    []string
		read, write bool
	}{
		{[]string{`operator = "write"`, `operator = "deny"`}, false, false},
		{[]string{`operator = "read"`, `operator = "write"`}, true, true},
		{[]string{`acl = "read"`, `acl = "write"`}, true, true},
		{[]string{`acl = "write"`, `acl = "deny"`}, false, false},
	}
	for _, tt := range bare {
		a := compile(t, true, tt.policies...)
		read, write := a.OperatorRead(), a.OperatorWrite()
		if tt.policies[0][0] == 'a' {
			read, write = a.ACLRead(), a.ACLWrite()
		}
		if read != tt.read || write != tt.write {
			t.Errorf("%q: read/write = %v/%v, want %v/%v", tt.policies, read, write, tt.read, tt.write)
		}
	}
}

// everything lists every decision, for the static authorizers.
func everything(a Authorizer) map[string]bool {
	return map[string]bool{
		"KeyRead": a.KeyRead("k"), "KeyList": a.KeyList("k"), "KeyWrite": a.KeyWrite("k"),
		"KeyWritePrefix": a.KeyWritePrefix(""),
		"ServiceRead":    a.ServiceRead("s"), "ServiceWrite": a.ServiceWrite("s"),
		"NodeRead": a.NodeRead("n"), "NodeWrite": a.NodeWrite("n"),
		"AgentRead": a.AgentRead("n"), "AgentWrite": a.AgentWrite("n"),
		"SessionRead": a.SessionRead("n"), "SessionWrite": a.SessionWrite("n"),
		"EventRead": a.EventRead("e"), "EventWrite": a.EventWrite("e"),
		"PreparedQueryRead": a.PreparedQueryRead("q"), "PreparedQueryWrite": a.PreparedQueryWrite("q"),
		"OperatorRead": a.OperatorRead(), "OperatorWrite": a.OperatorWrite(),
		"KeyringRead": a.KeyringRead(), "KeyringWrite": a.KeyringWrite(),
		"ACLRead": a.ACLRead(), "ACLWrite": a.ACLWrite(),
		"MeshRead": a.MeshRead(), "MeshWrite": a.MeshWrite(),
	}
}

func TestStaticAuthorizers(t *testing.T) {
	tests := []struct {
		name     string
		a        Authorizer
		all, acl bool
	}{
		{"ManageAll", ManageAll(), true, true},
		{"AllowAll", AllowAll(), true, false},
		{"DenyAll", DenyAll(), false, false},
		{"New(true)", New(true), true, false},
		{"New(false)", New(false, nil, &Policy{}), false, false},
	}
	for _, tt := range tests {
		for what, got := range everything(tt.a) {
			want := tt.all
			if what == "ACLRead" || what == "ACLWrite" {
				want = tt.acl
			}
			if got != want {
				t.Errorf("%s: %s = %v, want %v", tt.name, what, got, want)
			}
		}
	}
}

// benchRules builds n rules in the shape of a real KV policy: a read-all
// prefix, per-team write prefixes, and denied secrets inside them.
func benchRules(n int) string {
	rules := `key_prefix "" { policy = "read" }` + "\n"
	for i := 1; i < n; i++ {
		if i%2 == 1 {
			rules += fmt.Sprintf("key_prefix \"config/team-%03d/\" { policy = \"write\" }\n", i)
		} else {
			rules += fmt.Sprintf("key \"config/team-%03d/secrets/db-password\" { policy = \"deny\" }\n", i-1)
		}
	}
	return rules
}

func BenchmarkKeyRead(b *testing.B) {
	a := compile(b, false, benchRules(100))
	keys := []string{
		"config/team-041/services/web/max-connections", // under a write prefix
		"config/team-041/secrets/db-password",          // an exact deny
		"config/team-999/anything",                     // only prefix ""
		"unrelated",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a.KeyRead(keys[i%len(keys)])
	}
}

func BenchmarkKeyWritePrefix(b *testing.B) {
	a := compile(b, false, benchRules(100))
	b.ReportAllocs()
	for b.Loop() {
		a.KeyWritePrefix("config/team-041/")
	}
}

func BenchmarkNew(b *testing.B) {
	p, err := Parse(benchRules(100))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		New(false, p)
	}
}

func BenchmarkParse(b *testing.B) {
	rules := benchRules(100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(rules); err != nil {
			b.Fatal(err)
		}
	}
}
