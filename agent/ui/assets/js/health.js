// Health arithmetic over the API's check objects, as Consul reads them:
// critical beats warning beats passing; maintenance counts as critical;
// an instance with no checks is passing.

const rank = { passing: 0, warning: 1, critical: 2 };

// worst is the worst status among checks.
export function worst(checks) {
  let status = 'passing';
  for (const c of checks || []) {
    const s = c.Status in rank ? c.Status : 'critical';
    if (rank[s] > rank[status]) status = s;
  }
  return status;
}

// countByHealth counts health/service entries by their worst check.
export function countByHealth(entries) {
  const counts = { passing: 0, warning: 0, critical: 0 };
  for (const e of entries || []) counts[worst(e.Checks)]++;
  return counts;
}

// worstOfCounts is the worst status that has a non-zero count.
export function worstOfCounts(counts) {
  if (counts.critical) return 'critical';
  if (counts.warning) return 'warning';
  return 'passing';
}

export const statuses = ['passing', 'warning', 'critical'];
