package server

import (
	"testing"

	"github.com/concord-dev/concord/catalog"
)

// Store rows are shared and must not change: a node registered under
// another datacenter name is copied, once per node, and the row keeps
// its value.
func TestDatacenterSetterCopiesRows(t *testing.T) {
	same := &catalog.Node{Node: "a", Datacenter: "dc1"}
	other := &catalog.Node{Node: "b", Datacenter: ""}
	d := datacenterSetter{dc: "dc1"}
	if got := d.set(same); got != same {
		t.Fatal("a node already in dc1 was copied")
	}
	first := d.set(other)
	if first == other || first.Datacenter != "dc1" || first.Node != "b" {
		t.Fatalf("got %+v", first)
	}
	if other.Datacenter != "" {
		t.Fatal("the stored row was changed")
	}
	if again := d.set(other); again != first {
		t.Fatal("a second instance on the node got another copy")
	}
}
