// The UI's client of concord's HTTP API: the ACL token, the datacenter,
// errors and blocking queries. It uses only the public /v1/ endpoints,
// with the same methods (GET, PUT, DELETE) any other client uses.

const tokenKey = 'concord.acl.token';

// token is the ACL token kept in this browser's local storage, or ''.
export function token() {
  try {
    return localStorage.getItem(tokenKey) || '';
  } catch {
    return '';
  }
}

// setToken keeps t (or forgets the token when t is empty).
export function setToken(t) {
  if (t) localStorage.setItem(tokenKey, t);
  else localStorage.removeItem(tokenKey);
}

// ApiError is a non-2xx answer: status and the server's text.
export class ApiError extends Error {
  constructor(status, message, index) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.index = index || 0;
  }
}

// Client speaks to the agent that served the page, for one datacenter
// ('' means the agent's own).
export class Client {
  constructor(dc) {
    this.dc = dc || '';
  }

  url(path, query) {
    const u = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(query || {})) {
      if (v != null && v !== false) u.searchParams.set(k, v === true ? '' : String(v));
    }
    if (this.dc) u.searchParams.set('dc', this.dc);
    return u;
  }

  // request answers {data, index, filtered}: the decoded body, the
  // X-Consul-Index (0 when absent) and whether ACLs hid some results.
  // With notFoundOK a 404 (a KV key or prefix with nothing under it)
  // answers data null instead of failing.
  async request(method, path, { query, body, signal, notFoundOK } = {}) {
    const headers = {};
    const t = token();
    if (t) headers['X-Consul-Token'] = t;
    const resp = await fetch(this.url(path, query), {
      method, headers, body, signal, cache: 'no-store', credentials: 'same-origin',
    });
    const text = await resp.text();
    const index = Number(resp.headers.get('X-Consul-Index')) || 0;
    if (resp.status === 404 && notFoundOK) return { data: null, index, filtered: false };
    if (!resp.ok) throw new ApiError(resp.status, text.trim() || resp.statusText, index);
    const type = resp.headers.get('Content-Type') || '';
    return {
      data: text && type.includes('json') ? JSON.parse(text) : text,
      index,
      filtered: resp.headers.get('X-Consul-Results-Filtered-By-ACLs') === 'true',
    };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  put(path, body, opts) { return this.request('PUT', path, { ...opts, body }); }
  del(path, opts) { return this.request('DELETE', path, opts); }
}

// isAbort tells an aborted fetch (the page was left) from a failure.
export function isAbort(err) {
  return err && err.name === 'AbortError';
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

// blockingWait is how long one blocking query may park on the server.
const blockingWait = '5m';

// watch follows path with blocking queries until signal aborts: the
// first read answers at once, then each read waits on the server until
// the index moves past the last one seen, so a change arrives as soon as
// it is committed and nothing is asked while nothing changes.
// onResult(result) runs for the first answer and every changed one;
// onError(err) runs for a failure. A 403 stops the watch (a new token
// re-renders the page); other failures retry after 1 s, doubling to 30 s.
// An endpoint that sends no index is read once. opts.notFoundOK is
// passed on to request.
export async function watch(client, path, query, signal, onResult, onError, opts) {
  let index = 0;
  let delay = 0;
  while (!signal.aborted) {
    let res;
    try {
      const q = { ...query };
      if (index > 0) Object.assign(q, { index, wait: blockingWait });
      res = await client.get(path, { query: q, signal, notFoundOK: opts && opts.notFoundOK });
    } catch (err) {
      if (isAbort(err) || signal.aborted) return;
      onError(err);
      if (err instanceof ApiError && err.status === 403) return;
      delay = Math.min(Math.max(delay * 2, 1000), 30000);
      await sleep(delay, signal);
      continue;
    }
    delay = 0;
    const prev = index;
    if (prev === 0 || res.index !== prev) onResult(res);
    if (res.index === 0) return;
    // An index that went backwards (a restored snapshot, another leader's
    // store) restarts from a plain read, as Consul's guidance says.
    index = res.index < prev ? 0 : res.index;
  }
}

// coalesce wraps an async job so that calls made while it runs fold into
// one more run after it, instead of piling up.
export function coalesce(job) {
  let running = false;
  let again = false;
  return async function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await job();
      } while (again);
    } finally {
      running = false;
    }
  };
}

// mapLimit runs fn over items with at most limit requests in flight:
// browsers allow six connections per host, and the page's blocking
// queries hold some of them.
export async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
