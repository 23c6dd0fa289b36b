package agent

import (
	"testing"
	"time"
)

func TestRenewAfterLeavesAFifthForRetries(t *testing.T) {
	life := 72 * time.Hour
	for i := 0; i < 100; i++ {
		if d := renewAfter(life); d < life*3/4 || d > life*85/100 {
			t.Fatalf("renewAfter(%v) = %v, want 75-85 %%", life, d)
		}
	}
	if d := renewAfter(-time.Second); d <= 0 {
		t.Fatalf("an expired certificate must be renewed soon, not at once in a loop: %v", d)
	}
}
