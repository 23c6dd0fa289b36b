package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func startTTL(t *testing.T, spec Spec) (TTLCheck, *recorder) {
	t.Helper()
	c, rec := startCheck(t, spec, Deps{})
	ttl, ok := c.(TTLCheck)
	if !ok {
		t.Fatalf("New(TTL spec) = %T, not a TTLCheck", c)
	}
	return ttl, rec
}

func TestTTLExpires(t *testing.T) {
	_, rec := startTTL(t, Spec{ID: "ttl", TTL: 100 * time.Millisecond})
	u := rec.waitStatus(t, catalog.HealthCritical)
	if u.output != "TTL expired" {
		t.Errorf("output %q", u.output)
	}
}

func TestTTLSetStatus(t *testing.T) {
	c, rec := startTTL(t, Spec{ID: "ttl", TTL: time.Second})
	if err := c.SetStatus(catalog.HealthPassing, "fine"); err != nil {
		t.Fatal(err)
	}
	if u := rec.waitStatus(t, catalog.HealthPassing); u.output != "fine" {
		t.Errorf("output %q", u.output)
	}
	// Refreshing more often than the TTL keeps it from expiring.
	for range 12 {
		time.Sleep(100 * time.Millisecond)
		c.SetStatus(catalog.HealthWarning, "busy")
	}
	for _, u := range rec.all() {
		if u.status == catalog.HealthCritical {
			t.Errorf("expired while refreshed every 100ms of a 1s TTL: %+v", u)
		}
	}
	u := rec.waitStatus(t, catalog.HealthCritical)
	if !strings.HasPrefix(u.output, "TTL expired") || !strings.HasSuffix(u.output, "busy") {
		t.Errorf("output %q, want the expiry with the last output", u.output)
	}
	if err := c.SetStatus("maintenance", ""); !catalog.IsBadRequest(err) {
		t.Errorf("SetStatus(maintenance) = %v, want a BadRequest", err)
	}
}

func TestTTLStop(t *testing.T) {
	c, rec := startTTL(t, Spec{ID: "ttl", TTL: 50 * time.Millisecond})
	c.Stop()
	c.SetStatus(catalog.HealthPassing, "late")
	time.Sleep(200 * time.Millisecond)
	if ups := rec.all(); len(ups) != 0 {
		t.Errorf("updates after Stop: %v", ups)
	}
}
