// One service: its instances with node, address, port and every check's
// status and output, kept live by a blocking /v1/health/service/:name.
import { watch } from '../api.js';
import { h, append, replace, table, tagList, healthBadge, heading } from '../dom.js';
import { errorNotice, hiddenNotice } from '../access.js';
import { countByHealth, worst } from '../health.js';
import { link } from '../route.js';
import { healthCounts } from './services.js';

// checkList shows checks with status in words and their output; with
// withService each service check names its service.
export function checkList(checks, withService) {
  if (!checks || checks.length === 0) return h('span', { class: 'empty' }, 'no checks');
  return h('ul', { class: 'checks' }, checks.map((c) => h('li', { 'data-check': c.CheckID },
    healthBadge(c.Status), ' ',
    h('span', { class: 'check-name' }, c.Name || c.CheckID),
    c.ServiceID ? (withService ? h('span', { class: 'kind' }, `(service ${c.ServiceName || c.ServiceID})`) : null)
      : h('span', { class: 'kind' }, '(node check)'),
    c.Output ? h('pre', { class: 'output' }, c.Output) : null)));
}

export function servicePage(ctx) {
  const { client, signal, main, route } = ctx;
  const name = route.params.name;
  const summary = h('div');
  const alerts = h('div');
  const body = h('div', null, h('p', { class: 'empty' }, 'Loading instances\u2026'));
  append(main,
    h('p', null, h('a', { href: link('services', { dc: route.dc }) }, '\u2190 All services')),
    heading(name), summary, alerts, body);

  watch(client, `/v1/health/service/${encodeURIComponent(name)}`, {}, signal, (res) => {
    const entries = res.data || [];
    replace(alerts, res.filtered ? hiddenNotice(`the instances of ${name}`, entries.length === 0) : null);
    replace(summary, healthCounts(countByHealth(entries)));
    if (entries.length === 0) {
      replace(body, res.filtered ? null : h('p', { class: 'empty' }, `No instances of ${name} are registered.`));
      return;
    }
    replace(body, table([
      { label: 'Instance', class: 'name', cell: (e) => e.Service.ID },
      { label: 'Health', cell: (e) => healthBadge(worst(e.Checks)) },
      { label: 'Node', cell: (e) => h('a', { href: link('node', { name: e.Node.Node, dc: route.dc }) }, e.Node.Node) },
      { label: 'Address', cell: (e) => h('span', { class: 'mono' }, e.Service.Address || e.Node.Address) },
      { label: 'Port', cell: (e) => String(e.Service.Port || '') },
      { label: 'Tags', cell: (e) => tagList(e.Service.Tags) },
      { label: 'Checks', cell: (e) => checkList(e.Checks) },
    ], entries));
  }, (err) => replace(alerts, errorNotice(err, `the instances of ${name}`)));
}
