// Raft peers: the servers in the Raft configuration, which one leads, and
// which vote. Neither /v1/operator/raft/configuration nor
// /v1/status/leader blocks, so the page re-reads them when the servers'
// "consul" service changes (a blocking query) and on Refresh.
import { watch, isAbort, coalesce } from '../api.js';
import { h, append, replace, table, heading, notice } from '../dom.js';
import { errorNotice } from '../access.js';
import { link } from '../route.js';

export function raftPage(ctx) {
  const { client, signal, main, route } = ctx;
  const alerts = h('div');
  const leaderLine = h('p');
  const body = h('div', null, h('p', { class: 'empty' }, 'Loading Raft configuration\u2026'));
  const refreshButton = h('button', { type: 'button', id: 'raft-refresh' }, 'Refresh');
  append(main, heading('Raft peers'), h('div', { class: 'toolbar' }, refreshButton), alerts, leaderLine, body);

  const refresh = coalesce(async () => {
    try {
      const [conf, leader] = await Promise.all([
        client.get('/v1/operator/raft/configuration', { signal }),
        client.get('/v1/status/leader', { signal }),
      ]);
      replace(alerts);
      const servers = (conf.data && conf.data.Servers) || [];
      replace(leaderLine, leader.data
        ? ['Leader: ', h('strong', { class: 'mono' }, leader.data)]
        : notice('error', 'There is no leader: the servers cannot elect one (no quorum?).'));
      replace(body, table([
        { label: 'Node', class: 'name', cell: (s) => h('a', { href: link('node', { name: s.Node, dc: route.dc }) }, s.Node) },
        { label: 'Role', cell: (s) => (s.Leader ? h('strong', null, 'leader') : 'follower') },
        { label: 'Voter', cell: (s) => (s.Voter ? 'yes' : 'no (non-voter)') },
        { label: 'Address', cell: (s) => h('span', { class: 'mono' }, s.Address) },
        { label: 'ID', cell: (s) => h('span', { class: 'mono' }, s.ID) },
        { label: 'Last index', cell: (s) => String(s.LastIndex ?? '') },
      ], servers));
    } catch (err) {
      if (isAbort(err)) return;
      replace(alerts, errorNotice(err, 'the Raft configuration (it needs operator:read)'));
      if (err.status === 403) replace(body);
    }
  });
  refreshButton.addEventListener('click', refresh);
  watch(client, '/v1/health/service/consul', {}, signal, refresh, () => refresh());
}
