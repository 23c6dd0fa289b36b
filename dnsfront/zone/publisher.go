package zone

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"
)

// Source is how a Publisher reads the catalog. Instances returns the
// instances to publish (healthy ones) as of now, after waiting up to
// wait for the catalog to move past index (0 answers at once), and the
// index to pass next. It is called from one goroutine.
type Source interface {
	Instances(ctx context.Context, index uint64, wait time.Duration) ([]Instance, uint64, error)
}

// Config is a Publisher's.
type Config struct {
	Params Params
	// MinStable is how long an instance must hold a new state before the
	// zone follows (default 30 s).
	MinStable time.Duration
	// AlsoNotify are the secondaries (host:port) told of each new serial.
	AlsoNotify []string
	// Update, when set, pushes each change to a primary by RFC 2136.
	Update *UpdateConfig
	// StatePath keeps the serial across restarts; "" keeps it in memory.
	StatePath string
	Now       func() time.Time
	Logger    hclog.Logger
	// Tick is the longest the publisher goes without looking at the
	// catalog, so damped instances are published on time (default a
	// quarter of MinStable, between 100 ms and 1 s).
	Tick time.Duration
}

// Publisher keeps the zone current. Zone may be called from any
// goroutine; Run owns everything else.
type Publisher struct {
	cfg    Config
	src    Source
	damper Damper
	zone   atomic.Pointer[Zone]

	state    state
	pushDue  bool // an RFC 2136 push failed or is pending
	lastPush time.Time
	notifies sync.WaitGroup
}

// NewPublisher validates cfg and reads the saved state.
func NewPublisher(cfg Config, src Source) (*Publisher, error) {
	if _, ok := dns.IsDomainName(cfg.Params.Origin); !ok || cfg.Params.Origin == "" || cfg.Params.Origin == "." {
		return nil, fmt.Errorf("zone %q is not a domain name", cfg.Params.Origin)
	}
	cfg.Params.Origin = dns.CanonicalName(cfg.Params.Origin)
	if cfg.MinStable <= 0 {
		cfg.MinStable = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Tick <= 0 {
		cfg.Tick = min(max(cfg.MinStable/4, 100*time.Millisecond), time.Second)
	}
	if cfg.Update != nil && cfg.Update.Timeout <= 0 {
		cfg.Update.Timeout = 5 * time.Second
	}
	st, err := loadState(cfg.StatePath)
	if err != nil {
		return nil, fmt.Errorf("zone state %s: %v", cfg.StatePath, err)
	}
	p := &Publisher{cfg: cfg, src: src, state: st, pushDue: cfg.Update != nil}
	p.damper = Damper{MinStable: cfg.MinStable, Now: cfg.Now}
	return p, nil
}

// Zone is the current zone; nil until the catalog was first read.
func (p *Publisher) Zone() *Zone { return p.zone.Load() }

// Origin is the zone's name, fully qualified.
func (p *Publisher) Origin() string { return p.cfg.Params.Origin }

// Run reads the catalog until ctx ends, publishing each change.
func (p *Publisher) Run(ctx context.Context) {
	defer p.notifies.Wait()
	var index uint64
	failing := false
	for ctx.Err() == nil {
		insts, next, err := p.src.Instances(ctx, index, p.cfg.Tick)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !failing {
				p.cfg.Logger.Warn("reading the catalog failed; the zone stays as it is", "error", err)
			}
			failing = true
			sleep(ctx, p.cfg.Tick)
			continue
		}
		failing = false
		index = next
		published, changed := p.damper.Observe(insts)
		if changed || p.zone.Load() == nil {
			p.publish(ctx, published)
		}
		if p.pushDue && p.cfg.Now().Sub(p.lastPush) >= 5*time.Second {
			p.push()
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// publish builds the zone of insts; a new serial is saved, announced by
// NOTIFY and pushed.
func (p *Publisher) publish(ctx context.Context, insts []Instance) {
	records, hash := Build(p.cfg.Params, insts)
	serial := NextSerial(p.state.Serial, p.state.Hash, hash, p.cfg.Now().Unix())
	z := New(p.cfg.Params, records, hash, serial)
	first := p.zone.Load() == nil
	p.zone.Store(z)
	if serial == p.state.Serial && !first {
		return
	}
	if serial != p.state.Serial {
		p.state.Serial, p.state.Hash = serial, hash
		if err := p.state.save(p.cfg.StatePath); err != nil {
			p.cfg.Logger.Error("saving the zone serial failed", "error", err)
		}
		p.cfg.Logger.Info("zone changed", "zone", z.Origin, "serial", serial, "records", len(z.Records))
		p.pushDue = p.cfg.Update != nil
		p.lastPush = time.Time{}
	}
	for _, addr := range p.cfg.AlsoNotify {
		p.notifies.Add(1)
		go func() {
			defer p.notifies.Done()
			notify(ctx, p.cfg.Logger, z, addr)
		}()
	}
}

// push sends the difference between the records last pushed and the
// current zone to the primary.
func (p *Publisher) push() {
	z := p.zone.Load()
	if z == nil {
		return
	}
	p.lastPush = p.cfg.Now()
	next := pushable(z)
	remove, add, err := diff(p.state.Pushed, next)
	var replace []dns.RR
	if err == nil {
		replace, err = newRRsets(p.state.Pushed, add)
	}
	if err == nil && (len(replace) > 0 || len(remove) > 0 || len(add) > 0) {
		err = sendUpdate(p.cfg.Update, z.Origin, replace, remove, add)
	}
	if err != nil {
		p.cfg.Logger.Warn("RFC 2136 update failed; retrying", "primary", p.cfg.Update.Primary, "error", err)
		return
	}
	p.state.Pushed = p.state.Pushed[:0]
	for _, rr := range next {
		p.state.Pushed = append(p.state.Pushed, rr.String())
	}
	if err := p.state.save(p.cfg.StatePath); err != nil {
		p.cfg.Logger.Error("saving the zone state failed", "error", err)
	}
	p.pushDue = false
	p.cfg.Logger.Info("zone pushed by RFC 2136", "primary", p.cfg.Update.Primary, "removed", len(remove), "added", len(add))
}
