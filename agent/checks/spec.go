package checks

import "time"

// Kinds of check, as Kind reports them.
const (
	KindHTTP   = "http"
	KindTCP    = "tcp"
	KindUDP    = "udp"
	KindGRPC   = "grpc"
	KindTTL    = "ttl"
	KindScript = "script"
	KindAlias  = "alias"
	KindDocker = "docker"
)

// Defaults that Normalize fills in.
const (
	// MinInterval is the shortest interval a check runs at; shorter ones
	// are raised to it, as Consul does.
	MinInterval = time.Second
	// DefaultTimeout bounds one run of an HTTP, TCP, UDP, gRPC or script
	// check whose Timeout is unset.
	DefaultTimeout = 10 * time.Second
	// DefaultOutputMaxSize is how many bytes of output a check keeps.
	DefaultOutputMaxSize = 4096
	// DefaultMethod is an HTTP check's method when Method is unset.
	DefaultMethod = "GET"
)

// Spec is one check's definition, whatever its source (a config file or the
// agent API). Exactly one kind is set: HTTP, TCP, UDP, GRPC, TTL, Args
// (script), AliasService (with an optional AliasNode) or
// DockerContainerID.
type Spec struct {
	ID        string
	Name      string
	Notes     string
	ServiceID string

	// HTTP is the URL an HTTP check requests with Method, Header and
	// Body. A "Host" header sets the request's Host.
	HTTP          string
	Method        string
	Header        map[string][]string
	Body          string
	TLSSkipVerify bool
	// TLSServerName overrides the name the TLS certificate of an HTTP or
	// gRPC check is verified against.
	TLSServerName string

	// TCP and UDP are "host:port".
	TCP string
	UDP string
	// GRPC is "host:port", or "host:port/service" to ask about one service.
	GRPC       string
	GRPCUseTLS bool

	// TTL is how long a TTL check stays as last set before it turns
	// critical.
	TTL time.Duration

	// Args is a script check's command and arguments, run without a shell.
	Args []string

	// AliasService is the service ID an alias check mirrors, on AliasNode
	// (the agent's own node when empty).
	AliasNode    string
	AliasService string

	// DockerContainerID and Shell describe a Docker check, which concord
	// does not run: Validate refuses it.
	DockerContainerID string
	Shell             string

	Interval time.Duration
	Timeout  time.Duration
	// Status is the status the agent registers the check with: "",
	// passing, warning or critical. Runners do not report it.
	Status string

	// Thresholds; 0 means the result is reported at once.
	SuccessBeforePassing   int
	FailuresBeforeWarning  int
	FailuresBeforeCritical int

	// DeregisterCriticalServiceAfter is carried for the agent's local
	// state, which reaps; runners ignore it.
	DeregisterCriticalServiceAfter time.Duration

	// OutputMaxSize bounds the output a check reports, in bytes.
	OutputMaxSize int
}

// Kind reports the check's kind ("http", "tcp", "udp", "grpc", "ttl",
// "script", "alias" or "docker"), or "" when no kind is set. When several
// are set it reports the first in that order; Validate refuses such a
// spec.
func (s *Spec) Kind() string {
	if k := s.kinds(); len(k) > 0 {
		return k[0]
	}
	return ""
}

// kinds lists every kind the spec sets. A Docker check's Args are its
// command, so Args count as a script only without DockerContainerID.
func (s *Spec) kinds() []string {
	var k []string
	add := func(set bool, kind string) {
		if set {
			k = append(k, kind)
		}
	}
	add(s.HTTP != "", KindHTTP)
	add(s.TCP != "", KindTCP)
	add(s.UDP != "", KindUDP)
	add(s.GRPC != "", KindGRPC)
	add(s.TTL != 0, KindTTL)
	add(len(s.Args) > 0 && s.DockerContainerID == "", KindScript)
	add(s.AliasService != "" || s.AliasNode != "", KindAlias)
	add(s.DockerContainerID != "", KindDocker)
	return k
}

// runsOnInterval reports whether kind runs every Interval.
func runsOnInterval(kind string) bool {
	switch kind {
	case KindHTTP, KindTCP, KindUDP, KindGRPC, KindScript, KindDocker:
		return true
	}
	return false
}

// Normalize fills in defaults, as Consul does: an ID from Name, an
// interval below MinInterval raised to it, Timeout DefaultTimeout (but no
// longer than Interval) for checks that run on an interval, Method GET for
// HTTP checks, and OutputMaxSize DefaultOutputMaxSize. It leaves invalid
// values (negative durations, say) for Validate to report, so the two may
// be called in either order.
func (s *Spec) Normalize() {
	if s.ID == "" {
		s.ID = s.Name
	}
	kind := s.Kind()
	if runsOnInterval(kind) {
		if s.Interval > 0 && s.Interval < MinInterval {
			s.Interval = MinInterval
		}
		if s.Timeout == 0 {
			s.Timeout = DefaultTimeout
			if s.Interval > 0 && s.Interval < s.Timeout {
				s.Timeout = s.Interval
			}
		}
	}
	if kind == KindHTTP && s.Method == "" {
		s.Method = DefaultMethod
	}
	if s.OutputMaxSize == 0 {
		s.OutputMaxSize = DefaultOutputMaxSize
	}
}
