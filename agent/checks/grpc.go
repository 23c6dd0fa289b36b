package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/concord-dev/concord/catalog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// newGRPCProbe calls the standard health service (grpc.health.v1.Health
// Check) at spec.GRPC, "host:port" or "host:port/service": SERVING is
// passing, any other answer or error critical. Each run opens and closes
// its own connection, so an idle check holds none.
func newGRPCProbe(spec Spec) probe {
	addr, service, _ := strings.Cut(spec.GRPC, "/")
	creds := insecure.NewCredentials()
	if spec.GRPCUseTLS {
		creds = credentials.NewTLS(&tls.Config{
			InsecureSkipVerify: spec.TLSSkipVerify,
			ServerName:         spec.TLSServerName,
		})
	}
	return func(ctx context.Context) (string, string) {
		// passthrough: the address is dialled as given, without the DNS
		// resolver's goroutines.
		conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(creds))
		if err != nil {
			return catalog.HealthCritical, truncate(fmt.Sprintf("gRPC check %s: %v", spec.GRPC, err), spec.OutputMaxSize)
		}
		defer conn.Close()
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			return catalog.HealthCritical, truncate(fmt.Sprintf("gRPC check %s: %v", spec.GRPC, err), spec.OutputMaxSize)
		}
		if st := resp.GetStatus(); st != healthpb.HealthCheckResponse_SERVING {
			return catalog.HealthCritical, fmt.Sprintf("gRPC check %s: service status %s", spec.GRPC, st)
		}
		return catalog.HealthPassing, fmt.Sprintf("gRPC check %s: success", spec.GRPC)
	}
}
