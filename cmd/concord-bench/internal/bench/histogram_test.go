package bench

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestHistogramExactBelow256ns(t *testing.T) {
	var h Histogram
	for v := 1; v <= 100; v++ {
		h.Record(time.Duration(v))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}, {0.001, 1}} {
		if got := h.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if h.Count() != 100 || h.Min() != 1 || h.Max() != 100 || h.Mean() != 50 {
		t.Errorf("count/min/max/mean = %d/%v/%v/%v", h.Count(), h.Min(), h.Max(), h.Mean())
	}
}

func TestBucketsAreContiguous(t *testing.T) {
	prevHi := int64(-1)
	for i := 0; i <= bucketOf(math.MaxInt64); i++ {
		lo, hi := bucketRange(i)
		if lo != prevHi+1 || hi < lo {
			t.Fatalf("bucket %d = [%d,%d], previous ended at %d", i, lo, hi, prevHi)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d: bucketOf(%d)=%d bucketOf(%d)=%d", i, lo, bucketOf(lo), hi, bucketOf(hi))
		}
		if lo >= 2*subCount && float64(hi-lo+1)/float64(lo) > 1.0/subCount+1e-12 {
			t.Fatalf("bucket %d too wide: [%d,%d]", i, lo, hi)
		}
		prevHi = hi
	}
}

// The histogram's quantiles stay within 1% (in fact 0.4%) of the exact
// nearest-rank quantiles of the same sample.
func TestHistogramMatchesExactSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, 1000, 200000} {
		var h Histogram
		sample := make([]time.Duration, n)
		for i := range sample {
			// log-normal around 2 ms with a long tail, up to ~seconds
			d := time.Duration(math.Exp(rng.NormFloat64()*1.5) * float64(2*time.Millisecond))
			sample[i] = d
			h.Record(d)
		}
		sortDurations(sample)
		for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
			exact, got := ExactQuantile(sample, q), h.Quantile(q)
			if rel := math.Abs(float64(got-exact)) / float64(exact); rel > 0.01 {
				t.Errorf("n=%d q=%v: histogram %v, exact %v (%.3f%%)", n, q, got, exact, 100*rel)
			}
		}
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for i := 1; i <= 1000; i++ {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(nil)
	for _, q := range []float64{0.5, 0.9, 0.99, 1} {
		if m.Quantile(q) != all.Quantile(q) {
			t.Errorf("q=%v: merged %v, direct %v", q, m.Quantile(q), all.Quantile(q))
		}
	}
	if m.Min() != time.Microsecond || m.Max() != time.Millisecond || m.Count() != 1000 {
		t.Errorf("merged min/max/count = %v/%v/%d", m.Min(), m.Max(), m.Count())
	}
	var empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Error("empty histogram should report zeros")
	}
	empty.Record(-5)
	if empty.Max() != 0 {
		t.Error("negative durations should count as zero")
	}
}

func TestExactQuantileAndFanout(t *testing.T) {
	s := sortDurations([]time.Duration{4, 1, 3, 2})
	if ExactQuantile(s, 0.5) != 2 || ExactQuantile(s, 0.75) != 3 || ExactQuantile(s, 1) != 4 || ExactQuantile(s, 0) != 1 {
		t.Errorf("ExactQuantile over %v wrong", s)
	}
	if ExactQuantile(nil, 0.5) != 0 {
		t.Error("ExactQuantile of nothing should be 0")
	}
	ms := func(i int) time.Duration { return time.Duration(i) * time.Millisecond }
	// 100 watchers, 99 returned at 1..99 ms: 50% at 50ms, 99% at 99ms, 100% never.
	var got []time.Duration
	for i := 1; i <= 99; i++ {
		got = append(got, ms(i))
	}
	f := fanout(got, 100)
	if f.P50 != 50 || f.P99 != 99 || f.P100 != -1 {
		t.Errorf("fanout = %+v", f)
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[float64]string{12.13: "12.1ms", 0.5: "500µs", 1500: "1.50s", 0.0001: "100ns", -1: "-", 250: "250ms"} {
		if got := fmtMS(in); got != want {
			t.Errorf("fmtMS(%v) = %q, want %q", in, got, want)
		}
	}
}
