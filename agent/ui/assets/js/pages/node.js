// One node: its address and metadata, its checks (node-level and its
// services') with outputs, and its services; two blocking queries keep it
// live.
import { watch } from '../api.js';
import { h, append, replace, table, tagList, healthBadge, heading, props } from '../dom.js';
import { errorNotice } from '../access.js';
import { worst } from '../health.js';
import { link } from '../route.js';
import { checkList } from './service.js';

export function nodePage(ctx) {
  const { client, signal, main, route } = ctx;
  const name = route.params.name;
  const enc = encodeURIComponent(name);
  const alerts = h('div');
  const info = h('div', null, h('p', { class: 'empty' }, 'Loading node\u2026'));
  const checksBox = h('div');
  const servicesBox = h('div');
  append(main,
    h('p', null, h('a', { href: link('nodes', { dc: route.dc }) }, '\u2190 All nodes')),
    heading(name), alerts, info,
    h('h2', null, 'Checks'), checksBox,
    h('h2', null, 'Services'), servicesBox);

  watch(client, `/v1/catalog/node/${enc}`, {}, signal, (res) => {
    const ns = res.data;
    if (!ns || !ns.Node) {
      replace(info, h('p', { class: 'empty' }, res.filtered ? `ACLs hide node ${name} from this token.` : `No node named ${name} is registered.`));
      replace(servicesBox);
      return;
    }
    const n = ns.Node;
    const meta = Object.entries(n.Meta || {}).map(([k, v]) => `${k}=${v}`);
    replace(info, props([
      ['Address', h('span', { class: 'mono' }, n.Address)],
      ['Datacenter', n.Datacenter || route.dc || 'local'],
      ['Node ID', h('span', { class: 'mono' }, n.ID || '')],
      ['Metadata', meta.length ? tagList(meta) : h('span', { class: 'empty' }, 'none')],
    ]));
    const svcs = Object.values(ns.Services || {}).sort((a, b) => a.ID.localeCompare(b.ID));
    replace(servicesBox, svcs.length === 0 ? h('p', { class: 'empty' }, 'No services on this node.') : table([
      { label: 'Service', class: 'name', cell: (s) => h('a', { href: link('service', { name: s.Service, dc: route.dc }) }, s.Service) },
      { label: 'Instance', cell: (s) => s.ID },
      { label: 'Address', cell: (s) => h('span', { class: 'mono' }, s.Address || n.Address) },
      { label: 'Port', cell: (s) => String(s.Port || '') },
      { label: 'Tags', cell: (s) => tagList(s.Tags) },
    ], svcs));
  }, (err) => replace(alerts, errorNotice(err, `node ${name}`)));

  watch(client, `/v1/health/node/${enc}`, {}, signal, (res) => {
    const checks = res.data || [];
    replace(checksBox, checks.length === 0 ? h('p', { class: 'empty' }, 'No checks on this node.') : [
      h('p', null, 'Overall: ', healthBadge(worst(checks))),
      checkList(checks, true),
    ]);
  }, (err) => replace(alerts, errorNotice(err, `the checks of node ${name}`)));
}
