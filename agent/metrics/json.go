package metrics

import (
	"math"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// Summary is /v1/agent/metrics in Consul's JSON form. Names are the
// Prometheus names (underscored), since a family carries no dotted form.
type Summary struct {
	Timestamp string
	Gauges    []GaugeValue
	Points    []PointValue
	Counters  []SampledValue
	Samples   []SampledValue
}

// GaugeValue is one gauge sample.
type GaugeValue struct {
	Name   string
	Value  float64
	Labels map[string]string
}

// PointValue is Consul's point type; concord records none.
type PointValue struct {
	Name   string
	Points []float64
}

// SampledValue is a counter (Count and Sum are its value) or a summary or
// histogram (Count observations, Sum and Mean of them; Min and Max are
// the lowest and highest quantile a summary reports).
type SampledValue struct {
	Name   string
	Count  int
	Rate   float64
	Sum    float64
	Min    float64
	Max    float64
	Mean   float64
	Stddev float64
	Labels map[string]string
}

// JSON gathers every family into Consul's JSON shape.
func (r *Registry) JSON() (interface{}, error) {
	fams, err := r.reg.Gather()
	if err != nil {
		return nil, err
	}
	out := Summary{
		Timestamp: time.Now().UTC().Truncate(10 * time.Second).Format("2006-01-02 15:04:05 -0700 MST"),
		Gauges:    []GaugeValue{}, Points: []PointValue{}, Counters: []SampledValue{}, Samples: []SampledValue{},
	}
	for _, f := range fams {
		name := f.GetName()
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch f.GetType() {
			case dto.MetricType_GAUGE:
				out.Gauges = append(out.Gauges, GaugeValue{Name: name, Value: finite(m.GetGauge().GetValue()), Labels: labels})
			case dto.MetricType_UNTYPED:
				out.Gauges = append(out.Gauges, GaugeValue{Name: name, Value: m.GetUntyped().GetValue(), Labels: labels})
			case dto.MetricType_COUNTER:
				v := m.GetCounter().GetValue()
				out.Counters = append(out.Counters, SampledValue{Name: name, Count: int(v), Sum: v, Labels: labels})
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				sv := sampled(name, s.GetSampleCount(), s.GetSampleSum(), labels)
				if q := s.GetQuantile(); len(q) > 0 {
					sv.Min, sv.Max = finite(q[0].GetValue()), finite(q[len(q)-1].GetValue())
				}
				out.Samples = append(out.Samples, sv)
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				out.Samples = append(out.Samples, sampled(name, h.GetSampleCount(), h.GetSampleSum(), labels))
			}
		}
	}
	return out, nil
}

// finite maps NaN and infinities (a summary's quantiles before any
// observation) to 0, which JSON can carry.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func sampled(name string, count uint64, sum float64, labels map[string]string) SampledValue {
	sv := SampledValue{Name: name, Count: int(count), Sum: sum, Labels: labels}
	if count > 0 {
		sv.Mean = sum / float64(count)
	}
	return sv
}
