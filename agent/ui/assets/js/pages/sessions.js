// Sessions: every session in the datacenter (live, blocking
// /v1/session/list), with a button to invalidate one.
import { watch } from '../api.js';
import { h, append, replace, table, heading, notice } from '../dom.js';
import { errorNotice, hiddenNotice } from '../access.js';
import { link } from '../route.js';

// seconds shows a Go duration in nanoseconds (LockDelay) as seconds.
const seconds = (ns) => (ns ? `${ns / 1e9}s` : '0s');

export function sessionsPage(ctx) {
  const { client, signal, main, route } = ctx;
  const alerts = h('div');
  const result = h('div');
  const body = h('div', null, h('p', { class: 'empty' }, 'Loading sessions\u2026'));
  append(main, heading('Sessions'), alerts, result, body);

  const destroy = async (s) => {
    try {
      await client.put(`/v1/session/destroy/${encodeURIComponent(s.ID)}`, '');
      replace(result, notice('ok', `Invalidated session ${s.ID}.`));
    } catch (err) {
      replace(result, errorNotice(err, `session ${s.ID}`));
    }
  };

  watch(client, '/v1/session/list', {}, signal, (res) => {
    const list = res.data || [];
    replace(alerts, res.filtered ? hiddenNotice('the sessions', list.length === 0) : null);
    if (list.length === 0) {
      replace(body, res.filtered ? null : h('p', { class: 'empty' }, 'There are no sessions.'));
      return;
    }
    replace(body, table([
      { label: 'ID', class: 'name', cell: (s) => h('span', { class: 'mono' }, s.ID) },
      { label: 'Name', cell: (s) => s.Name || h('span', { class: 'empty' }, 'none') },
      { label: 'Node', cell: (s) => h('a', { href: link('node', { name: s.Node, dc: route.dc }) }, s.Node) },
      { label: 'Behavior', cell: (s) => s.Behavior },
      { label: 'TTL', cell: (s) => s.TTL || h('span', { class: 'empty' }, 'none') },
      { label: 'Lock delay', cell: (s) => seconds(s.LockDelay) },
      { label: 'Checks', cell: (s) => (s.NodeChecks || s.Checks || []).join(', ') || h('span', { class: 'empty' }, 'none') },
      { label: 'Action', cell: (s) => h('button', { type: 'button', class: 'danger', onclick: () => destroy(s), 'aria-label': `Invalidate session ${s.Name || s.ID}` }, 'Invalidate') },
    ], list));
  }, (err) => replace(alerts, errorNotice(err, 'the sessions')));
}
