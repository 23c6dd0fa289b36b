package wan

import (
	"errors"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

func TestRouterKnowsOnlyLocal(t *testing.T) {
	r := NewRouter("DC1")
	if got := r.Datacenters(); len(got) != 1 || got[0] != "dc1" {
		t.Fatalf("datacenters = %v", got)
	}
	for _, dc := range []string{"", "dc1", "DC1"} {
		if err := r.Check(dc); err != nil {
			t.Fatalf("Check(%q) = %v", dc, err)
		}
	}
	err := r.Check("dc2")
	if !errors.Is(err, catalog.ErrUnknownDC) {
		t.Fatalf("Check(dc2) = %v", err)
	}
	// The text survives the RPC boundary as the same sentinel.
	if !errors.Is(catalog.ErrorFromWire(err.Error()), catalog.ErrUnknownDC) {
		t.Fatalf("wire round trip lost identity: %v", err)
	}
}
