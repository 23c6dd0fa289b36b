// The datacenter switcher: a labelled select filled from
// /v1/catalog/datacenters (nearest first, so the agent's own leads).
import { Client } from './api.js';
import { h, replace } from './dom.js';

// datacenters fills select and calls onChange(dc) when the operator picks
// one. The returned show(dc) marks the datacenter on screen.
export function datacenters(select, onChange) {
  let shown = '';
  let names = [];
  const fill = () => {
    const list = [...names];
    if (shown && !list.includes(shown)) list.push(shown);
    if (list.length === 0) list.push('');
    replace(select, list.map((dc) => h('option', { value: dc }, dc || 'local')));
    select.value = shown || list[0];
  };
  select.addEventListener('change', () => onChange(select.value === names[0] ? '' : select.value));
  new Client('').get('/v1/catalog/datacenters').then((res) => {
    names = Array.isArray(res.data) ? res.data : [];
    fill();
  }).catch(() => fill());
  return {
    show(dc) {
      shown = dc;
      fill();
    },
  };
}
