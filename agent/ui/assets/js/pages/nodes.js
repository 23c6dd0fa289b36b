// The nodes page: every node with its serfHealth (is its agent alive?),
// its checks by status and its services. Three blocking queries (nodes,
// services, every check's state) wake it; each change re-reads the node
// list and the services' instances.
import { watch, coalesce, isAbort } from '../api.js';
import { h, replace, table, healthBadge, filteredList, count } from '../dom.js';
import { errorNotice, hiddenNotice } from '../access.js';
import { serviceNodes } from '../fleet.js';
import { statuses } from '../health.js';
import { link } from '../route.js';

export function nodesPage(ctx) {
  const { client, signal, main, route } = ctx;
  const { filter, summary, alerts, body } = filteredList(main, 'Nodes', 'nodes', 'name, address or service');

  let nodes = null; // the /v1/catalog/nodes result
  let checks = []; // every check, from /v1/health/state/any
  let services = null; // the /v1/catalog/services result
  let onNode = new Map(); // node name -> service names
  const errors = new Map();

  const show = () => {
    replace(alerts, [...errors.values()].slice(0, 1).map((e) => errorNotice(e, 'the nodes')));
    if (!nodes) return;
    const list = nodes.data || [];
    if (nodes.filtered) alerts.append(hiddenNotice('the nodes', list.length === 0));
    const byNode = new Map();
    for (const c of checks) {
      if (!byNode.has(c.Node)) byNode.set(c.Node, []);
      byNode.get(c.Node).push(c);
    }
    const q = filter.value.trim().toLowerCase();
    const shown = list.filter((n) => !q || n.Node.toLowerCase().includes(q) || (n.Address || '').includes(q) ||
      (onNode.get(n.Node) || []).some((s) => s.toLowerCase().includes(q)));
    summary.textContent = q ? `${shown.length} of ${count(list.length, 'node')} match` : count(list.length, 'node');
    if (list.length === 0 && nodes.filtered) summary.textContent = '';
    if (list.length === 0) {
      replace(body, nodes.filtered ? null : h('p', { class: 'empty' }, 'No nodes are registered.'));
      return;
    }
    replace(body, table([
      { label: 'Node', class: 'name', cell: (n) => h('a', { href: link('node', { name: n.Node, dc: route.dc }) }, n.Node) },
      { label: 'Address', cell: (n) => h('span', { class: 'mono' }, n.Address) },
      { label: 'Agent (serfHealth)', cell: (n) => serfBadge(byNode.get(n.Node)) },
      { label: 'Checks', cell: (n) => checkCounts(byNode.get(n.Node)) },
      { label: 'Services', cell: (n) => serviceLinks(onNode.get(n.Node), route.dc) },
    ], shown));
  };

  const refresh = coalesce(async () => {
    if (signal.aborted || !services) return;
    try {
      const instances = await serviceNodes(client, Object.keys(services.data || {}), signal);
      const m = new Map();
      for (const [name, list] of instances) {
        for (const sn of list) {
          if (!m.has(sn.Node)) m.set(sn.Node, new Set());
          m.get(sn.Node).add(name);
        }
      }
      onNode = new Map([...m].map(([k, v]) => [k, [...v].sort()]));
      errors.delete('instances');
    } catch (err) {
      if (isAbort(err)) return;
      errors.set('instances', err);
    }
    show();
  });
  const failed = (key) => (err) => { errors.set(key, err); show(); };
  watch(client, '/v1/catalog/nodes', {}, signal, (res) => { nodes = res; errors.delete('nodes'); show(); }, failed('nodes'));
  watch(client, '/v1/health/state/any', {}, signal, (res) => { checks = res.data || []; errors.delete('checks'); show(); }, failed('checks'));
  watch(client, '/v1/catalog/services', {}, signal, (res) => { services = res; errors.delete('services'); refresh(); }, failed('services'));
  filter.addEventListener('input', show);
}

function serfBadge(checks) {
  const serf = (checks || []).find((c) => c.CheckID === 'serfHealth');
  return serf ? healthBadge(serf.Status) : h('span', { class: 'empty' }, 'no agent');
}

function checkCounts(checks) {
  if (!checks || checks.length === 0) return h('span', { class: 'empty' }, 'none');
  const counts = { passing: 0, warning: 0, critical: 0 };
  for (const c of checks) counts[c.Status in counts ? c.Status : 'critical']++;
  return h('ul', { class: 'counts' }, statuses.filter((s) => counts[s]).map((s) => h('li', null, healthBadge(s, counts[s]))));
}

function serviceLinks(names, dc) {
  if (!names || names.length === 0) return h('span', { class: 'empty' }, 'none');
  return h('ul', { class: 'tags' }, names.map((s) => h('li', null, h('a', { href: link('service', { name: s, dc }) }, s))));
}
