// Reads that several pages share: the health of every service, gathered
// from the public endpoints (one /v1/health/service/:name per service).
// Consul's own UI reads a summary endpoint under /v1/internal/ instead;
// concord's UI stays a client of the documented API.
import { mapLimit } from './api.js';

// requestsInFlight leaves room under the browser's six connections per
// host for the page's own blocking queries.
const requestsInFlight = 3;

// serviceHealth answers Map(name -> health/service entries) for names.
// A service that vanished between the two reads maps to [].
export async function serviceHealth(client, names, signal) {
  const entries = await mapLimit(names, requestsInFlight, async (name) => {
    try {
      const res = await client.get(`/v1/health/service/${encodeURIComponent(name)}`, { signal });
      return res.data || [];
    } catch (err) {
      if (err.status === 404) return [];
      throw err;
    }
  });
  return new Map(names.map((n, i) => [n, entries[i]]));
}

// serviceNodes answers Map(name -> catalog/service entries) for names.
export async function serviceNodes(client, names, signal) {
  const entries = await mapLimit(names, requestsInFlight, async (name) => {
    const res = await client.get(`/v1/catalog/service/${encodeURIComponent(name)}`, { signal });
    return res.data || [];
  });
  return new Map(names.map((n, i) => [n, entries[i]]));
}
