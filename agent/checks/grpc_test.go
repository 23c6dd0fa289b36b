package checks

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// grpcHealthServer serves the standard health service on 127.0.0.1.
func grpcHealthServer(t *testing.T) (*health.Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := health.NewServer()
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, hs)
	go s.Serve(l)
	t.Cleanup(s.Stop)
	return hs, l.Addr().String()
}

func TestGRPC(t *testing.T) {
	hs, addr := grpcHealthServer(t)
	hs.SetServingStatus("api", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("batch", healthpb.HealthCheckResponse_NOT_SERVING)
	cases := []struct {
		target string
		status string
		output string
	}{
		{addr, catalog.HealthPassing, "success"},
		{addr + "/api", catalog.HealthPassing, "success"},
		{addr + "/batch", catalog.HealthCritical, "NOT_SERVING"},
		{addr + "/unknown", catalog.HealthCritical, "NotFound"},
	}
	for _, c := range cases {
		status, out := runProbe(newGRPCProbe(withDefaults(Spec{GRPC: c.target})), 5*time.Second)
		if status != c.status || !strings.Contains(out, c.output) {
			t.Errorf("%s: got %s %q, want %s containing %q", c.target, status, out, c.status, c.output)
		}
	}
}

func TestGRPCUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	status, out := runProbe(newGRPCProbe(withDefaults(Spec{GRPC: addr})), 2*time.Second)
	if status != catalog.HealthCritical || !strings.Contains(out, "gRPC check "+addr) {
		t.Errorf("closed port: got %s %q", status, out)
	}
}

func TestGRPCCheckRuns(t *testing.T) {
	hs, addr := grpcHealthServer(t)
	hs.SetServingStatus("api", healthpb.HealthCheckResponse_SERVING)
	_, rec := startCheck(t, Spec{ID: "api", GRPC: addr + "/api", Interval: 50 * time.Millisecond}, Deps{})
	rec.waitStatus(t, catalog.HealthPassing)
	hs.SetServingStatus("api", healthpb.HealthCheckResponse_NOT_SERVING)
	rec.waitStatus(t, catalog.HealthCritical)
}
