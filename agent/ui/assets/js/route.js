// Routes live in the URL fragment, so the agent serves one index.html and
// any other path under /ui/ is an honest 404. The datacenter rides along
// as ?dc= inside the fragment: #/services/web?dc=dc2.

const encodeKey = (key) => key.split('/').map(encodeURIComponent).join('/');

// link builds the fragment of a page: page is services, service, nodes,
// node, kv, sessions, raft or token; params holds name, key, dc, next.
export function link(page, params) {
  const p = params || {};
  let path;
  switch (page) {
    case 'service': path = `/services/${encodeURIComponent(p.name)}`; break;
    case 'node': path = `/nodes/${encodeURIComponent(p.name)}`; break;
    case 'kv': path = `/kv/${encodeKey(p.key || '')}`; break;
    default: path = `/${page}`;
  }
  const q = new URLSearchParams();
  if (p.dc) q.set('dc', p.dc);
  if (p.next) q.set('next', p.next);
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

// parseRoute reads a fragment into {page, dc, params}, or null for one
// that names no page.
export function parseRoute(hash) {
  const raw = (hash || '').replace(/^#/, '');
  if (!raw.startsWith('/')) return null;
  const [path, qs] = splitOnce(raw, '?');
  const q = new URLSearchParams(qs);
  const dc = q.get('dc') || '';
  const next = q.get('next') || '';
  const decode = (s) => { try { return decodeURIComponent(s); } catch { return s; } };
  const parts = path.split('/').slice(1);
  const head = parts[0];
  const rest = parts.slice(1);
  if (head === 'services' && rest.length === 0) return { page: 'services', dc, params: {} };
  if (head === 'services' && rest.length === 1 && rest[0]) return { page: 'service', dc, params: { name: decode(rest[0]) } };
  if (head === 'nodes' && rest.length === 0) return { page: 'nodes', dc, params: {} };
  if (head === 'nodes' && rest.length === 1 && rest[0]) return { page: 'node', dc, params: { name: decode(rest[0]) } };
  if (head === 'kv') return { page: 'kv', dc, params: { key: rest.map(decode).join('/') } };
  if (head === 'sessions' || head === 'raft') return { page: head, dc, params: {} };
  if (head === 'token') return { page: 'token', dc, params: { next } };
  return null;
}

// routeFor is route's fragment in datacenter dc.
export function routeFor(route, dc) {
  return link(route.page, { ...route.params, dc });
}

// here is the fragment on screen, for a "come back" link.
export function here() {
  return window.location.hash || '#/services';
}

function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}
