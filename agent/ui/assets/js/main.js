// The UI's entry point: routes the URL fragment (#/services?dc=dc2) to a
// page, keeps the header (navigation, datacenter switcher, token link) in
// step, and stops a page's blocking queries when it is left.
import { Client } from './api.js';
import { replace } from './dom.js';
import { parseRoute, link, routeFor } from './route.js';
import { servicesPage } from './pages/services.js';
import { servicePage } from './pages/service.js';
import { nodesPage } from './pages/nodes.js';
import { nodePage } from './pages/node.js';
import { kvPage } from './pages/kv.js';
import { sessionsPage } from './pages/sessions.js';
import { raftPage } from './pages/raft.js';
import { tokenPage } from './pages/token.js';
import { datacenters } from './datacenters.js';

const pages = {
  services: servicesPage,
  service: servicePage,
  nodes: nodesPage,
  node: nodePage,
  kv: kvPage,
  sessions: sessionsPage,
  raft: raftPage,
  token: tokenPage,
};

const main = document.getElementById('main');
let current = null; // the AbortController of the page on screen

// render shows the page the fragment names. focus moves the keyboard and
// screen reader to the new page's heading (not on the first load).
function render(focus) {
  const route = parseRoute(window.location.hash);
  if (!route) {
    // /?dc=dc2 redirects to /ui/?dc=dc2: the datacenter moves into the
    // fragment, where every page reads it.
    const dc = new URLSearchParams(window.location.search).get('dc') || '';
    window.location.replace(link('services', { dc }));
    return;
  }
  if (current) current.abort();
  current = new AbortController();
  const ctx = {
    route,
    client: new Client(route.dc),
    signal: current.signal,
    main,
    // rerender shows the same route again (after a new token).
    rerender: () => render(false),
  };
  updateHeader(route);
  replace(main);
  pages[route.page](ctx);
  const h1 = main.querySelector('h1');
  document.title = `${h1 ? h1.textContent : 'concord'} - concord`;
  if (focus && h1) h1.focus();
}

function updateHeader(route) {
  const section = { service: 'services', node: 'nodes' }[route.page] || route.page;
  for (const a of document.querySelectorAll('a[data-nav]')) {
    const target = a.dataset.nav;
    a.href = link(target, { dc: route.dc });
    if (target === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.querySelector('a.brand').href = link('services', { dc: route.dc });
  dcSwitcher.show(route.dc);
}

const dcSwitcher = datacenters(document.getElementById('dc-select'), (dc) => {
  const route = parseRoute(window.location.hash) || { page: 'services', params: {} };
  window.location.hash = routeFor(route, dc);
});

document.getElementById('skip').addEventListener('click', () => {
  const h1 = main.querySelector('h1');
  (h1 || main).focus();
});
window.addEventListener('hashchange', () => render(true));
window.addEventListener('storage', (e) => {
  // A token set in another tab applies here too.
  if (e.key && e.key.startsWith('concord.')) render(false);
});
render(false);
