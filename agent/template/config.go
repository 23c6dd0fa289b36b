package template

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

// DefaultCommandTimeout bounds a template's command when none is set.
const DefaultCommandTimeout = 30 * time.Second

// Wait is the quiescence of a template: after a change, it is rendered
// once no further change came for Min, and at the latest Max after the
// first change. Zero renders at once.
type Wait struct {
	Min, Max time.Duration
}

// ParseWait reads "min:max", or "min" alone (max is then 4 x min, as in
// consul-template).
func ParseWait(s string) (Wait, error) {
	minS, maxS, hasMax := strings.Cut(s, ":")
	min, err := time.ParseDuration(strings.TrimSpace(minS))
	if err != nil {
		return Wait{}, fmt.Errorf("wait %q: %v", s, err)
	}
	max := 4 * min
	if hasMax {
		if max, err = time.ParseDuration(strings.TrimSpace(maxS)); err != nil {
			return Wait{}, fmt.Errorf("wait %q: %v", s, err)
		}
	}
	if min < 0 || max < min {
		return Wait{}, fmt.Errorf("wait %q: need 0 <= min <= max", s)
	}
	return Wait{Min: min, Max: max}, nil
}

// Spec is one template: where it is read and written, and what runs
// after each change.
type Spec struct {
	Source      string
	Destination string
	// Command runs through /bin/sh -c after each write, for at most
	// CommandTimeout (default 30 s); its output is logged.
	Command        string
	CommandTimeout time.Duration
	// Perms are the mode of a destination that does not exist yet
	// (default 0644); an existing file keeps its own mode and owner.
	Perms os.FileMode
	Wait  Wait
}

// ParseSpec reads the -template flag's "source:destination[:command]".
func ParseSpec(s string) (Spec, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return Spec{}, fmt.Errorf("template %q: want source:destination[:command]", s)
	}
	sp := Spec{Source: parts[0], Destination: parts[1]}
	if len(parts) == 3 {
		sp.Command = parts[2]
	}
	return sp, nil
}

// Config is a Runner's: its templates and how it reaches Consul.
type Config struct {
	Templates []Spec
	// Client is the Consul API client every query goes through.
	Client *api.Client
	Logger hclog.Logger
	// Now is the clock of "timestamp" (tests fix it); Env backs "env".
	Now func() time.Time
	Env func(string) string
	// RetryMin and RetryMax bound the wait before a failed query is
	// asked again (defaults 250 ms and 5 s).
	RetryMin, RetryMax time.Duration
	// QueryWait is the longest a blocking query waits (default 5 min).
	QueryWait time.Duration
}

func (c *Config) validate() error {
	if c.Client == nil {
		return fmt.Errorf("template: no Consul client")
	}
	if len(c.Templates) == 0 {
		return fmt.Errorf("template: no templates")
	}
	for i := range c.Templates {
		sp := &c.Templates[i]
		if sp.Source == "" || sp.Destination == "" {
			return fmt.Errorf("template %d: source and destination are required", i)
		}
		src, err := os.ReadFile(sp.Source)
		if err != nil {
			return fmt.Errorf("template %s: %v", sp.Source, err)
		}
		if err := parseCheck(sp.Source, string(src)); err != nil {
			return fmt.Errorf("template %s: %v", sp.Source, err)
		}
		if sp.CommandTimeout <= 0 {
			sp.CommandTimeout = DefaultCommandTimeout
		}
		if sp.Perms == 0 {
			sp.Perms = 0o644
		}
		if sp.Wait.Max < sp.Wait.Min {
			sp.Wait.Max = sp.Wait.Min
		}
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Env == nil {
		c.Env = os.Getenv
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 250 * time.Millisecond
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = 5 * time.Second
	}
	if c.QueryWait <= 0 {
		c.QueryWait = 5 * time.Minute
	}
	return nil
}
