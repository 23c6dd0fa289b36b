package lan

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"
)

// ErrShutdown is returned by operations on a pool that was shut down.
var ErrShutdown = errors.New("lan: pool is shut down")

// minIntentRetransmitMult is the least retransmit multiplier for intents
// (memberlist's LAN default). Intents are rare and small, and memberlist
// also gossips to recently dead nodes, which would otherwise use up the
// transmits of a small pool with failed members.
const minIntentRetransmitMult = 4

// defaultLeaveTimeout bounds Leave when it is given no positive timeout,
// and SetTags' wait for its update to go out.
const defaultLeaveTimeout = 5 * time.Second

// memberState is one row of the member table.
type memberState struct {
	Member
	// statusLTime is the Lamport time of the newest leave or join intent
	// applied to this member; older intents are ignored.
	statusLTime uint64
	// changed is when Status last changed (local clock), for the reaper.
	changed time.Time
	// pruneOnLeave: a prune intent arrived while the member was leaving;
	// remove it once it has left.
	pruneOnLeave bool
}

// Pool is this agent's membership in the LAN gossip pool.
//
// Lock order: memberlist's internal node lock (held while it calls the
// event and conflict delegates) -> mu -> subMu. Nothing holding mu or subMu
// may call into memberlist or the broadcast queue.
type Pool struct {
	config *Config // normalized; read-only after New
	logger hclog.Logger
	mlConf *memberlist.Config
	ml     *memberlist.Memberlist // set once by New before it returns
	queue  *memberlist.TransmitLimitedQueue
	clock  lamportClock
	// coords is the Vivaldi state (coordinate.go); nil when disabled.
	coords *coordinates
	// eventClock orders user events (user_event.go) apart from intents.
	eventClock lamportClock
	userEvents userEventState
	// numNodes counts alive and leaving members; numKnown counts every
	// member in the table. Atomic so they can be read without mu.
	numNodes atomic.Int64
	numKnown atomic.Int64

	// mu guards the fields below up to the blank line: the member table
	// (members, keyed by name, including this node, with each member's
	// status and the time it changed), our own tags and their encoded
	// meta, the leave state, name-conflict bookkeeping and join intents
	// about members not yet known.
	mu          sync.Mutex
	members     map[string]*memberState
	tags        map[string]string
	meta        []byte
	leaving     bool   // Leave has started (a pool never rejoins)
	lastRefuted uint64 // newest leave intent about us we answered
	joining     int    // Join calls in progress
	conflict    string // name conflict about us seen during a Join
	conflicts   int    // name conflicts seen, ours or others'
	recentJoins map[string]recentIntent
	reaped      []Member // newest last, at most maxReaped
	counts      Counts   // events emitted, and flaps (counts.go)

	// subMu guards the subscriber set.
	subMu      sync.Mutex
	subs       map[uint64]*subscriber
	nextSub    uint64
	subsClosed bool
	eventTime  atomic.Uint64 // events emitted so far

	// keyring is memberlist's (nil without encryption); keyMu serializes
	// its changes and the writes of KeyringFile. pending holds the
	// keyring operations this agent is waiting on, by request ID.
	keyring   *memberlist.Keyring
	keyMu     sync.Mutex
	pendingMu sync.Mutex
	pending   map[uint64]chan keyringAnswer
	nextReqID atomic.Uint64

	reconnecting atomic.Bool // a reconnect join is running (reconnect.go)

	leaveMu      sync.Mutex // serializes Leave and Shutdown
	shutdownOnce sync.Once
	shutdownCh   chan struct{}
	reaperDone   chan struct{}
}

// New validates cfg, creates the memberlist (listening, but joined to no
// one) and starts the reaper.
func New(cfg *Config) (*Pool, error) {
	c, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	meta, err := encodeTags(c.Tags)
	if err != nil {
		return nil, err
	}
	p := &Pool{
		config:      c,
		logger:      c.Logger,
		members:     map[string]*memberState{},
		tags:        c.Tags,
		meta:        meta,
		recentJoins: map[string]recentIntent{},
		subs:        map[uint64]*subscriber{},
		pending:     map[uint64]chan keyringAnswer{},
		shutdownCh:  make(chan struct{}),
		reaperDone:  make(chan struct{}),
	}
	// Request IDs start at random so an answer to an earlier run of this
	// agent is not taken for one to this run's request.
	p.nextReqID.Store(rand.Uint64())
	p.keyring, err = c.initialKeyring()
	if err != nil {
		return nil, err
	}
	if !c.DisableCoordinates {
		if p.coords, err = newCoordinates(c.Coordinate); err != nil {
			return nil, err
		}
	}
	p.mlConf = c.memberlistConfig(p, p.keyring)
	p.queue = &memberlist.TransmitLimitedQueue{
		// Every known member: memberlist gossips to failed ones too.
		NumNodes:       func() int { return int(p.numKnown.Load()) },
		RetransmitMult: max(p.mlConf.RetransmitMult, minIntentRetransmitMult),
	}
	p.queue.QueueBroadcast(newQueueKeeper(p.mlConf.UDPBufferSize))
	wrapped := c.WrapTransport != nil && p.mlConf.Transport == nil
	if wrapped {
		if err := wrappedTransport(p.mlConf, c.WrapTransport); err != nil {
			return nil, err
		}
	}
	ml, err := memberlist.Create(p.mlConf)
	if err != nil {
		if wrapped {
			p.mlConf.Transport.Shutdown()
		}
		return nil, fmt.Errorf("lan: creating memberlist: %w", err)
	}
	p.ml = ml
	go p.reaper(reapInterval(c.ReconnectTimeout, c.TombstoneTimeout), c.ReconnectInterval)
	return p, nil
}

// Join contacts the given agents ("ip" or "ip:port", port defaulting to
// Config.JoinPort) and syncs state with them. It returns how many were reached; the
// error is non-nil when none was, or when the pool already has an alive
// member with our name at another address (that member is kept).
func (p *Pool) Join(addrs []string) (int, error) {
	if p.isShutdown() {
		return 0, ErrShutdown
	}
	if len(addrs) == 0 {
		return 0, errors.New("lan: no addresses to join")
	}
	p.mu.Lock()
	if p.leaving {
		p.mu.Unlock()
		return 0, errors.New("lan: cannot join after leaving; create a new pool")
	}
	p.joining++
	p.mu.Unlock()
	var targets []string
	var bad []string
	for _, a := range addrs {
		t, err := normalizeJoinAddr(a, p.config.JoinPort)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		targets = append(targets, t)
	}
	n := 0
	var joinErr error
	if len(targets) > 0 {
		n, joinErr = p.ml.Join(targets)
	}
	if n > 0 {
		p.broadcastJoinIntent()
	}
	p.mu.Lock()
	p.joining--
	conflict := p.conflict
	if p.joining == 0 {
		p.conflict = ""
	}
	p.mu.Unlock()
	switch {
	case conflict != "":
		return n, fmt.Errorf("lan: %s", conflict)
	case n == 0 && joinErr != nil:
		return 0, fmt.Errorf("lan: join failed: %w", joinErr)
	case n == 0:
		return 0, fmt.Errorf("lan: join failed: %s", strings.Join(bad, "; "))
	}
	return n, nil
}

// normalizeJoinAddr turns "ip" into "ip:port" (the pool's join port,
// 8301 on the LAN) and checks "ip:port".
func normalizeJoinAddr(addr string, port int) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", errors.New("empty join address")
	}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return "", fmt.Errorf("bad port in join address %q", addr)
		}
		return net.JoinHostPort(host, port), nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// Leave leaves the pool gracefully: it gossips a leave intent (so members
// record us as left, not failed), then has memberlist broadcast our
// departure. timeout <= 0 means 5 s. The pool keeps running until
// Shutdown; it cannot join again.
func (p *Pool) Leave(timeout time.Duration) error {
	p.leaveMu.Lock()
	defer p.leaveMu.Unlock()
	if p.isShutdown() {
		return ErrShutdown
	}
	if timeout <= 0 {
		timeout = defaultLeaveTimeout
	}
	deadline := time.Now().Add(timeout)

	p.mu.Lock()
	if p.leaving {
		p.mu.Unlock()
		return nil
	}
	p.leaving = true
	lt := p.clock.Increment()
	if self := p.members[p.config.NodeName]; self != nil {
		self.statusLTime = lt
		p.setStatusLocked(self, StatusLeaving)
	}
	p.mu.Unlock()

	sent := make(chan struct{})
	p.queueIntent(intent{kind: msgLeaveIntent, node: p.config.NodeName, ltime: lt}, sent)
	if p.numNodes.Load() > 1 {
		select {
		case <-sent:
		case <-time.After(timeout / 2):
			p.logger.Warn("lan: leave intent not fully broadcast before timeout; leaving anyway")
		}
	}
	remaining := time.Until(deadline)
	if remaining < 10*time.Millisecond {
		remaining = 10 * time.Millisecond
	}
	err := p.ml.Leave(remaining)

	p.mu.Lock()
	if self := p.members[p.config.NodeName]; self != nil && self.Status != StatusLeft {
		p.setStatusLocked(self, StatusLeft)
		p.emitLocked(EventMemberLeave, self)
	}
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("lan: leave: %w", err)
	}
	return nil
}

// Shutdown stops gossip, the reaper and all subscriptions (their channels
// are closed). Without a prior Leave, the other members will see this
// node fail. A Leave in progress is allowed to finish first (memberlist
// must not leave after shutting down). Safe to call more than once.
func (p *Pool) Shutdown() error {
	p.leaveMu.Lock()
	defer p.leaveMu.Unlock()
	var err error
	p.shutdownOnce.Do(func() {
		close(p.shutdownCh)
		err = p.ml.Shutdown()
		<-p.reaperDone
		p.closeSubscribers()
	})
	return err
}

func (p *Pool) isShutdown() bool {
	select {
	case <-p.shutdownCh:
		return true
	default:
		return false
	}
}

// setStatusLocked changes m's status and stamps the change. mu held.
func (p *Pool) setStatusLocked(m *memberState, s MemberStatus) {
	if m.Status != s {
		m.Status = s
		m.changed = time.Now()
	}
	p.recountLocked()
}

// recountLocked refreshes numNodes and numKnown. mu held.
func (p *Pool) recountLocked() {
	n := 0
	for _, m := range p.members {
		if m.Status == StatusAlive || m.Status == StatusLeaving {
			n++
		}
	}
	p.numNodes.Store(int64(n))
	p.numKnown.Store(int64(len(p.members)))
}
