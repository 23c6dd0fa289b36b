package state

import (
	"errors"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

func TestACLBootstrapOnce(t *testing.T) {
	s := newStore(t)
	tok := &catalog.ACLToken{AccessorID: "a1", SecretID: "s1"}
	if err := s.ACLBootstrap(5, 0, tok); err != nil {
		t.Fatal(err)
	}
	err := s.ACLBootstrap(6, 0, &catalog.ACLToken{AccessorID: "a2", SecretID: "s2"})
	var boot *ErrACLBootstrapped
	if !errors.As(err, &boot) || boot.ResetIndex != 5 || !errors.Is(err, catalog.ErrPermissionDenied) {
		t.Fatalf("second bootstrap: %v", err)
	}
	// The reset index from the first bootstrap allows one more.
	if err := s.ACLBootstrap(7, 5, &catalog.ACLToken{AccessorID: "a3", SecretID: "s3"}); err != nil {
		t.Fatalf("bootstrap with the reset index: %v", err)
	}
	if got := s.ACLBootstrapIndex(); got != 7 {
		t.Fatalf("bootstrap index %d, want 7", got)
	}
}

func TestACLLinksAndResolve(t *testing.T) {
	s := newStore(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.ACLPolicySet(1, &catalog.ACLPolicy{ID: "p1", Name: "kv-app", Rules: `key_prefix "app/" { policy = "write" }`}))
	must(s.ACLPolicySet(2, &catalog.ACLPolicy{ID: "p2", Name: "svc", Rules: `service "web" { policy = "write" }`}))
	if err := s.ACLPolicySet(3, &catalog.ACLPolicy{ID: "p3", Name: "KV-APP"}); !catalog.IsBadRequest(err) {
		t.Fatalf("duplicate policy name (case-insensitive): %v", err)
	}
	must(s.ACLRoleSet(4, &catalog.ACLRole{ID: "r1", Name: "web-role", Policies: []catalog.ACLLink{{Name: "svc"}},
		ServiceIdentities: []*catalog.ACLServiceIdentity{{ServiceName: "api"}}}))
	if err := s.ACLTokenSet(5, &catalog.ACLToken{AccessorID: "t0", SecretID: "x", Policies: []catalog.ACLLink{{Name: "nope"}}}); !catalog.IsBadRequest(err) {
		t.Fatalf("link to a missing policy: %v", err)
	}
	must(s.ACLTokenSet(6, &catalog.ACLToken{AccessorID: "t1", SecretID: "secret-1",
		Policies: []catalog.ACLLink{{Name: "kv-app"}}, Roles: []catalog.ACLLink{{ID: "r1"}}}))
	if err := s.ACLTokenSet(7, &catalog.ACLToken{AccessorID: "t2", SecretID: "secret-1"}); !catalog.IsBadRequest(err) {
		t.Fatalf("a second token with the same secret: %v", err)
	}

	id, err := s.ACLResolve("secret-1")
	must(err)
	if len(id.Policies) != 2 || id.Policies[0].ID != "p1" || id.Policies[1].ID != "p2" {
		t.Fatalf("resolved policies %+v, want p1 and p2 (through the role)", id.Policies)
	}
	if len(id.ServiceIdentities) != 1 || id.ServiceIdentities[0].ServiceName != "api" {
		t.Fatalf("service identities from the role: %+v", id.ServiceIdentities)
	}
	if _, err := s.ACLResolve("unknown"); !errors.Is(err, ErrACLTokenNotFound) {
		t.Fatalf("unknown secret: %v", err)
	}

	// Renaming a policy renames its links; deleting it removes them.
	must(s.ACLPolicySet(8, &catalog.ACLPolicy{ID: "p1", Name: "kv-application"}))
	_, tok, err := s.ACLTokenGet(nil, "t1", false)
	must(err)
	if tok.Policies[0].Name != "kv-application" {
		t.Fatalf("link after rename: %+v", tok.Policies)
	}
	must(s.ACLPolicyDelete(9, "p1"))
	_, tok, _ = s.ACLTokenGet(nil, "secret-1", true)
	if len(tok.Policies) != 0 {
		t.Fatalf("link to a deleted policy kept: %+v", tok.Policies)
	}
	_, list, _ := s.ACLTokenList(nil, "", "r1")
	if len(list) != 1 {
		t.Fatalf("tokens with role r1: %d", len(list))
	}
	must(s.ACLRoleDelete(10, "r1"))
	_, list, _ = s.ACLTokenList(nil, "", "r1")
	if len(list) != 0 {
		t.Fatalf("tokens with a deleted role: %d", len(list))
	}
}
