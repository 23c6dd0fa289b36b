package agent

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/miekg/dns"

	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/dnsfront"
	"github.com/concord-dev/concord/dnsfront/zone"
)

// defaultZoneTTL is the exported records' TTL when none is configured:
// short, as the records follow health.
const defaultZoneTTL = 30 * time.Second

// zoneRun is the running publisher of dns_config.zone_transfer, and the
// configuration it was started from (a reload restarts it only when
// that changes).
type zoneRun struct {
	transfer config.ZoneTransferConfig
	update   config.ZoneUpdateConfig
	cancel   context.CancelFunc
	done     chan struct{}
}

func (z *zoneRun) stop() {
	if z != nil {
		z.cancel()
		<-z.done
	}
}

// startZoneExport (re)starts the publisher of dnsCfg's zone_transfer, if a
// zone is set, and puts what the DNS front serves of it in a.zoneSlot.
// The publisher reads the agent's own HTTP API with the DNS token (else
// the default one), so the zone holds what DNS would answer; its serial
// is kept in the data directory (in memory without one). A configuration
// that does not validate leaves the running export as it is.
func (a *Agent) startZoneExport(dnsCfg config.DNSConfig) error {
	zt, zu := dnsCfg.ZoneTransfer, dnsCfg.ZoneUpdate
	if zt.Zone == "" || (a.cfg.Ports.DNS < 0 && zu.Primary == "") {
		if zt.Zone != "" {
			a.logger.Warn("dns_config.zone_transfer is set but DNS is off (ports.dns = -1) and no zone_update primary is set; the zone is not exported")
		}
		a.stopZoneExport()
		return nil
	}
	if _, ok := dns.IsDomainName(zt.Zone); !ok {
		return fmt.Errorf("dns_config.zone_transfer.zone %q is not a domain name", zt.Zone)
	}
	allow, err := zt.AllowNets()
	if err != nil {
		return err
	}
	notify, err := zt.NotifyAddrs()
	if err != nil {
		return err
	}
	token := a.cfg.ACL.Tokens.DNS
	if token == "" {
		token = a.cfg.ACL.Tokens.Default
	}
	client, err := a.selfClient(token)
	if err != nil {
		return err
	}
	if client == nil {
		a.logger.Warn("a zone export is configured but the agent serves no HTTP API to read it from; it is not served")
		a.stopZoneExport()
		return nil
	}
	dc := zt.Datacenter
	if dc == "" {
		dc = a.cfg.Datacenter
	}
	ttl := zt.TTL
	if ttl == 0 {
		ttl = defaultZoneTTL
	}
	soa := dnsCfg.SOA
	cfg := zone.Config{
		Params: zone.Params{Origin: zt.Zone, NS: []string{"ns"},
			NSAddrs: map[string]string{"ns": a.cfg.AdvertiseAddr}, TTL: uint32(ttl / time.Second),
			Refresh: uint32(soa.Refresh), Retry: uint32(soa.Retry), Expire: uint32(soa.Expire), MinTTL: uint32(soa.MinTTL)},
		MinStable:  zt.MinStable,
		AlsoNotify: notify,
		Logger:     a.logger.Named("zone"),
	}
	if a.cfg.DataDir != "" {
		cfg.StatePath = filepath.Join(a.cfg.DataDir, "zone", zone.StateFileName(zt.Zone))
	}
	if zu.Primary != "" {
		cfg.Update = &zone.UpdateConfig{Primary: zu.Primary, TSIGName: zu.TSIGKeyName,
			TSIGSecret: zu.TSIGSecret, TSIGAlgorithm: zu.TSIGAlg}
	}
	// The old publisher stops before the new one reads the state file,
	// so no serial is written after it was read.
	a.stopZoneExport()
	pub, err := zone.NewPublisher(cfg, &zone.APISource{Client: client, Datacenter: dc, OnlyPassing: dnsCfg.OnlyPassing})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &zoneRun{transfer: zt, update: zu, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(run.done)
		pub.Run(ctx)
	}()
	a.zone = run
	if a.zoneSlot != nil { // nil with DNS off: the zone is only pushed
		a.zoneSlot.Set(&dnsfront.Export{Origin: pub.Origin(), Current: pub.Zone, Allow: allow})
	}
	return nil
}

func (a *Agent) stopZoneExport() {
	a.zone.stop()
	a.zone = nil
	if a.zoneSlot != nil {
		a.zoneSlot.Set(nil)
	}
}

// reloadZoneExport restarts the export when its configuration changed.
func (a *Agent) reloadZoneExport(dnsCfg config.DNSConfig) error {
	z := a.zone
	same := z != nil && equalZoneTransfer(z.transfer, dnsCfg.ZoneTransfer) && z.update == dnsCfg.ZoneUpdate
	if same || (z == nil && dnsCfg.ZoneTransfer.Zone == "") {
		return nil
	}
	return a.startZoneExport(dnsCfg)
}

func equalZoneTransfer(a, b config.ZoneTransferConfig) bool {
	return a.Zone == b.Zone && a.Datacenter == b.Datacenter && a.MinStable == b.MinStable && a.TTL == b.TTL &&
		fmt.Sprint(a.Allow) == fmt.Sprint(b.Allow) && fmt.Sprint(a.AlsoNotify) == fmt.Sprint(b.AlsoNotify)
}
