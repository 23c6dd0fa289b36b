package bench

import (
	"math"
	"math/bits"
	"sort"
	"time"
)

// Histogram is a log-linear latency histogram in the spirit of HDR
// histograms. Values are nanoseconds. Values below 256 ns get one bucket
// each (exact); above that every power of two is split into 128 equal
// sub-buckets, so a bucket is at most 1/128 of its lower bound wide.
// Quantiles report the bucket midpoint, clamped to the exact observed min
// and max, so the relative error of any quantile is at most 1/256 (0.39%).
// Memory is bounded (at most ~7,500 counters, grown on demand) no matter
// how many values are recorded, which keeps long runs cheap; min, max and
// the mean are tracked exactly.
//
// A Histogram is not safe for concurrent use: every worker owns one and
// the run merges them at the end.
type Histogram struct {
	counts []uint64
	n      uint64
	min    int64
	max    int64
	sum    float64
}

const (
	subBits  = 7
	subCount = 1 << subBits // sub-buckets per power of two
)

// bucketOf maps a non-negative value to its bucket index.
func bucketOf(v int64) int {
	if v < 2*subCount {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - 1 - subBits
	return shift*subCount + int(v>>shift)
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi int64) {
	if i < 2*subCount {
		return int64(i), int64(i)
	}
	shift := i/subCount - 1
	m := int64(i - shift*subCount)
	lo = m << shift
	return lo, lo + (int64(1) << shift) - 1
}

// Record adds one observation; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	i := bucketOf(v)
	if i >= len(h.counts) {
		grown := make([]uint64, i+1+subCount)
		copy(grown, h.counts)
		h.counts = grown
	}
	h.counts[i]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += float64(v)
}

// Merge adds every observation of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		grown := make([]uint64, len(o.counts))
		copy(grown, h.counts)
		h.counts = grown
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the exact largest recorded value.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Min is the exact smallest recorded value.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Mean is the exact arithmetic mean.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the nearest-rank q-quantile (0 < q <= 1): the value
// below or at which ceil(q*n) observations lie, to within 0.39%.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q >= 1 {
		return time.Duration(h.max)
	}
	rank := nearestRank(q, int(h.n))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= uint64(rank) {
			lo, hi := bucketRange(i)
			v := lo + (hi-lo)/2
			v = max(v, h.min)
			v = min(v, h.max)
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}

// nearestRank is the 1-based rank of the q-quantile among n values.
func nearestRank(q float64, n int) int {
	r := int(math.Ceil(q * float64(n)))
	return max(1, min(r, n))
}

// ExactQuantile returns the nearest-rank q-quantile of an ascending
// sample; watch uses it for its few thousand fan-out times.
func ExactQuantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[nearestRank(q, len(sorted))-1]
}

// sortDurations sorts in place and returns its argument.
func sortDurations(d []time.Duration) []time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}
