package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is the result of one run. The text table and the -json object
// carry the same fields; latencies are milliseconds in JSON.
type Report struct {
	Test         string            `json:"test"`
	Params       map[string]string `json:"params"`
	Ops          int64             `json:"ops"`
	Errors       int64             `json:"errors"`
	ErrorSamples []ErrorSample     `json:"error_samples,omitempty"`
	ElapsedSec   float64           `json:"elapsed_s"`
	OpsPerSec    float64           `json:"ops_per_sec"`
	Latency      Latency           `json:"latency_ms"`
	// Phases holds per-request-kind stats when one op cycle issues more
	// than one kind of request (register: "register" and "deregister").
	Phases   map[string]*Stats `json:"phases,omitempty"`
	Watch    *WatchResult      `json:"watch,omitempty"`
	Failover *FailoverResult   `json:"failover,omitempty"`
	Notes    []string          `json:"notes,omitempty"`

	paramOrder []string
	phaseOrder []string
}

// ErrorSample is one distinct error message and how often it occurred.
type ErrorSample struct {
	Message string `json:"message"`
	Count   int64  `json:"count"`
}

// Latency is a latency summary in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Stats is ops, errors, throughput and latency of one phase.
type Stats struct {
	Ops       int64   `json:"ops"`
	Errors    int64   `json:"errors"`
	OpsPerSec float64 `json:"ops_per_sec"`
	Latency   Latency `json:"latency_ms"`
}

func newReport(test string) *Report {
	return &Report{Test: test, Params: map[string]string{}}
}

// param records a run parameter shown in the table's header line.
func (r *Report) param(k string, v any) {
	if _, ok := r.Params[k]; !ok {
		r.paramOrder = append(r.paramOrder, k)
	}
	r.Params[k] = fmt.Sprint(v)
}

func (r *Report) note(format string, a ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, a...))
}

func (r *Report) addPhase(name string, s *Stats) {
	if r.Phases == nil {
		r.Phases = map[string]*Stats{}
	}
	r.Phases[name] = s
	r.phaseOrder = append(r.phaseOrder, name)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func summarize(h *Histogram) Latency {
	return Latency{
		P50:  ms(h.Quantile(0.50)),
		P90:  ms(h.Quantile(0.90)),
		P99:  ms(h.Quantile(0.99)),
		Max:  ms(h.Max()),
		Mean: ms(h.Mean()),
	}
}

func rate(n int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / elapsed.Seconds()
}

// fmtMS formats milliseconds with three significant digits and a unit.
func fmtMS(v float64) string {
	d := time.Duration(v * float64(time.Millisecond))
	switch {
	case v < 0:
		return "-"
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return sig3(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return sig3(v) + "ms"
	default:
		return sig3(d.Seconds()) + "s"
	}
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func fmtBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	default:
		return fmt.Sprintf("%d B", b)
	}
}

type row struct{ k, v string }

func latencyRows(prefix string, l Latency) []row {
	return []row{
		{prefix + "p50", fmtMS(l.P50)},
		{prefix + "p90", fmtMS(l.P90)},
		{prefix + "p99", fmtMS(l.P99)},
		{prefix + "max", fmtMS(l.Max)},
	}
}

// WriteText prints the report as the aligned two-column table.
func (r *Report) WriteText(w io.Writer) error {
	var head strings.Builder
	head.WriteString(r.Test)
	for i, k := range r.paramOrder {
		if i == 0 {
			head.WriteString(" ")
		}
		fmt.Fprintf(&head, " %s=%s", k, r.Params[k])
	}
	rows := []row{
		{"ops", fmt.Sprint(r.Ops)},
		{"errors", fmt.Sprint(r.Errors)},
	}
	for _, e := range r.ErrorSamples {
		rows = append(rows, row{"  error", fmt.Sprintf("%dx %s", e.Count, e.Message)})
	}
	rows = append(rows, row{"elapsed", fmt.Sprintf("%.2fs", r.ElapsedSec)})
	rows = append(rows, row{"ops/s", fmt.Sprintf("%.1f", r.OpsPerSec)})
	rows = append(rows, latencyRows("", r.Latency)...)
	for _, name := range r.phaseOrder {
		s := r.Phases[name]
		rows = append(rows,
			row{name + " ops", fmt.Sprint(s.Ops)},
			row{name + " errors", fmt.Sprint(s.Errors)},
			row{name + "/s", fmt.Sprintf("%.1f", s.OpsPerSec)})
		rows = append(rows, latencyRows(name+" ", s.Latency)...)
	}
	if r.Watch != nil {
		rows = append(rows, r.Watch.rows()...)
	}
	if r.Failover != nil {
		rows = append(rows, r.Failover.rows()...)
	}
	for _, n := range r.Notes {
		rows = append(rows, row{"note", n})
	}
	width := 10
	for _, x := range rows {
		width = max(width, len(x.k)+1)
	}
	var b strings.Builder
	b.WriteString(head.String() + "\n")
	for _, x := range rows {
		fmt.Fprintf(&b, "%-*s %s\n", width, x.k, x.v)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one JSON object and a newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	return enc.Encode(r)
}
