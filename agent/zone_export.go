package agent

import (
	"context"
	"path/filepath"
	"time"

	"github.com/concord-dev/concord/dnsfront"
	"github.com/concord-dev/concord/dnsfront/zone"
)

// defaultZoneTTL is the exported records' TTL when none is configured:
// short, as the records follow health.
const defaultZoneTTL = 30 * time.Second

// startZoneExport starts the publisher of dns_config.zone_transfer, if a
// zone is configured, and returns what the DNS front serves of it. The
// publisher reads the agent's own HTTP API with the DNS token (else the
// default one), so the zone holds what DNS would answer; its serial is
// kept in the data directory (in memory without one).
func (a *Agent) startZoneExport() (*dnsfront.Export, error) {
	zt := a.cfg.DNS.ZoneTransfer
	if zt.Zone == "" {
		return nil, nil
	}
	if a.cfg.Ports.DNS < 0 && a.cfg.DNS.ZoneUpdate.Primary == "" {
		a.logger.Warn("dns_config.zone_transfer is set but DNS is off (ports.dns = -1) and no zone_update primary is set; the zone is not exported")
		return nil, nil
	}
	allow, err := zt.AllowNets()
	if err != nil {
		return nil, err
	}
	notify, err := zt.NotifyAddrs()
	if err != nil {
		return nil, err
	}
	token := a.cfg.ACL.Tokens.DNS
	if token == "" {
		token = a.cfg.ACL.Tokens.Default
	}
	client, err := a.selfClient(token)
	if err != nil {
		return nil, err
	}
	if client == nil {
		a.logger.Warn("a zone export is configured but the agent serves no HTTP API to read it from; it is not served")
		return nil, nil
	}
	dc := zt.Datacenter
	if dc == "" {
		dc = a.cfg.Datacenter
	}
	ttl := zt.TTL
	if ttl == 0 {
		ttl = defaultZoneTTL
	}
	soa := a.cfg.DNS.SOA
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
	if u := a.cfg.DNS.ZoneUpdate; u.Primary != "" {
		cfg.Update = &zone.UpdateConfig{Primary: u.Primary, TSIGName: u.TSIGKeyName,
			TSIGSecret: u.TSIGSecret, TSIGAlgorithm: u.TSIGAlg}
	}
	pub, err := zone.NewPublisher(cfg, &zone.APISource{Client: client, Datacenter: dc, OnlyPassing: a.cfg.DNS.OnlyPassing})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.wg.Add(2)
	go func() {
		defer a.wg.Done()
		<-a.shutdownCh
		cancel()
	}()
	go func() {
		defer a.wg.Done()
		pub.Run(ctx)
	}()
	return &dnsfront.Export{Origin: pub.Origin(), Current: pub.Zone, Allow: allow}, nil
}
