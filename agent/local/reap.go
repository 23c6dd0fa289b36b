package local

import "time"

// reapLoop removes services whose check has stayed critical for longer
// than its DeregisterCriticalServiceAfter.
func (s *State) reapLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.ReapInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stopCh:
			return
		case now := <-tick.C:
			s.reapCritical(now)
		}
	}
}

func (s *State) reapCritical(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.checks {
		after := c.spec.DeregisterCriticalServiceAfter
		if c.deleted || after <= 0 || c.hc.ServiceID == "" || c.criticalSince.IsZero() {
			continue
		}
		if now.Sub(c.criticalSince) < after {
			continue
		}
		id := c.hc.ServiceID
		if e, ok := s.services[id]; ok && !e.deleted {
			s.logger.Info("deregistering service whose check stayed critical", "service", id, "check", c.hc.CheckID, "after", after.String())
			s.removeServiceLocked(id)
			s.trigger()
		}
	}
}
