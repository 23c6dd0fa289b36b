// The services page: every service with its tags and its instances
// counted by health, a filter box, kept live by two blocking queries
// (the service list and every check's state).
import { watch, coalesce, isAbort } from '../api.js';
import { h, replace, table, tagList, healthBadge, filteredList, count } from '../dom.js';
import { errorNotice, hiddenNotice } from '../access.js';
import { serviceHealth } from '../fleet.js';
import { countByHealth, worstOfCounts, statuses } from '../health.js';
import { link } from '../route.js';

// healthCounts shows instance counts, one badge per status present.
export function healthCounts(counts) {
  const total = statuses.reduce((n, s) => n + counts[s], 0);
  if (total === 0) return h('span', { class: 'empty' }, 'no instances');
  return h('ul', { class: 'counts' }, statuses.filter((s) => counts[s] > 0).map((s) => h('li', null, healthBadge(s, counts[s]))));
}

export function servicesPage(ctx) {
  const { client, signal, main, route } = ctx;
  const { filter, summary, alerts, body } = filteredList(main, 'Services', 'services', 'name or tag');

  let services = null;
  let health = new Map();
  const errors = new Map();

  const show = () => {
    replace(alerts, [...errors.values()].slice(0, 1).map((e) => errorNotice(e, 'the services')));
    if (!services) return;
    const all = services.data || {};
    const names = Object.keys(all).sort();
    if (services.filtered) alerts.append(hiddenNotice('the services', names.length === 0));
    const q = filter.value.trim().toLowerCase();
    const shown = names.filter((n) => !q || n.toLowerCase().includes(q) || (all[n] || []).some((t) => t.toLowerCase().includes(q)));
    summary.textContent = q ? `${shown.length} of ${count(names.length, 'service')} match` : count(names.length, 'service');
    if (names.length === 0 && services.filtered) summary.textContent = '';
    if (names.length === 0) {
      replace(body, services.filtered ? null : h('p', { class: 'empty' }, 'No services are registered.'));
      return;
    }
    replace(body, table([
      { label: 'Service', class: 'name', cell: (n) => h('a', { href: link('service', { name: n, dc: route.dc }) }, n) },
      { label: 'Health', cell: (n) => (health.has(n) ? healthBadge(worstOfCounts(countByHealth(health.get(n)))) : '\u2026') },
      { label: 'Instances', cell: (n) => (health.has(n) ? healthCounts(countByHealth(health.get(n))) : '\u2026') },
      { label: 'Tags', cell: (n) => tagList(all[n]) },
    ], shown));
    for (const [i, tr] of [...body.querySelectorAll('tbody tr')].entries()) tr.dataset.service = shown[i];
  };

  const refresh = coalesce(async () => {
    if (!services || signal.aborted) return;
    try {
      health = await serviceHealth(client, Object.keys(services.data || {}), signal);
      errors.delete('health');
    } catch (err) {
      if (isAbort(err)) return;
      errors.set('health', err);
    }
    show();
  });
  const failed = (key) => (err) => { errors.set(key, err); show(); };
  watch(client, '/v1/catalog/services', {}, signal, (res) => {
    services = res;
    errors.delete('services');
    refresh();
  }, failed('services'));
  watch(client, '/v1/health/state/any', {}, signal, () => {
    errors.delete('checks');
    refresh();
  }, failed('checks'));
  filter.addEventListener('input', show);
}
