package acl

import (
	"math/rand"
	"strings"
	"testing"
)

// naiveRules is the obvious, slow model the radix tree must agree with.
type naiveRules struct {
	exact, prefix map[string]Access
}

func (m naiveRules) lookup(name string) Access {
	if a, ok := m.exact[name]; ok {
		return a
	}
	best, bestLen := AccessDefault, -1
	for p, a := range m.prefix {
		if strings.HasPrefix(name, p) && len(p) > bestLen {
			best, bestLen = a, len(p)
		}
	}
	return best
}

func (m naiveRules) allUnder(prefix string, ok func(Access) bool) bool {
	for _, rules := range []map[string]Access{m.exact, m.prefix} {
		for s, a := range rules {
			if strings.HasPrefix(s, prefix) && !ok(a) {
				return false
			}
		}
	}
	return true
}

func randomSegment(r *rand.Rand) string {
	const alphabet = "ab/"
	b := make([]byte, r.Intn(6))
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return string(b)
}

// TestTreeMatchesNaive inserts random rules over a tiny alphabet, so edges
// split and share in every way, and compares each decision with the model.
func TestTreeMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	isWrite := func(a Access) bool { return a == AccessWrite }
	for round := 0; round < 300; round++ {
		var tr tree
		m := naiveRules{exact: map[string]Access{}, prefix: map[string]Access{}}
		for i := r.Intn(12); i > 0; i-- {
			seg, isPrefix := randomSegment(r), r.Intn(2) == 0
			a := Access(1 + r.Intn(4))
			tr.insert(seg, isPrefix, a)
			rules := m.exact
			if isPrefix {
				rules = m.prefix
			}
			rules[seg] = stronger(rules[seg], a)
		}
		for i := 0; i < 40; i++ {
			name := randomSegment(r)
			if got, want := tr.lookup(name), m.lookup(name); got != want {
				t.Fatalf("round %d: lookup(%q) = %v, want %v (rules %v)", round, name, got, want, m)
			}
			if got, want := tr.allUnder(name, isWrite), m.allUnder(name, isWrite); got != want {
				t.Fatalf("round %d: allUnder(%q) = %v, want %v (rules %v)", round, name, got, want, m)
			}
		}
	}
}

func TestTreeEmpty(t *testing.T) {
	var tr tree
	if got := tr.lookup("anything"); got != AccessDefault {
		t.Errorf("lookup on an empty tree = %v", got)
	}
	if !tr.allUnder("", func(Access) bool { return false }) {
		t.Error("allUnder on an empty tree saw a rule")
	}
}

func TestStronger(t *testing.T) {
	order := []Access{AccessDefault, AccessRead, AccessList, AccessWrite}
	for i, a := range order {
		for j, b := range order {
			want := order[max(i, j)]
			if got := stronger(a, b); got != want {
				t.Errorf("stronger(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
		if got := stronger(a, AccessDeny); got != AccessDeny {
			t.Errorf("stronger(%v, deny) = %v", a, got)
		}
		if got := stronger(AccessDeny, a); got != AccessDeny {
			t.Errorf("stronger(deny, %v) = %v", a, got)
		}
	}
}
