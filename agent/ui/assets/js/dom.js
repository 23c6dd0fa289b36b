// DOM building. Everything the UI shows is built with createElement and
// text nodes, never by parsing markup, so a service name or KV value can never
// become markup.

// h builds an element: attrs sets attributes ("class", "on<event>"
// listeners, true for boolean attributes); children are nodes, strings or
// nested arrays, with null and false skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

// append adds children to el (see h).
export function append(el, ...children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// replace swaps el's children for children. Live pages re-render while
// someone may be tabbing through them, so if the focus was inside el it
// moves to the new element that matches the old one (same tag, id, link
// target and text), instead of falling back to the top of the page.
export function replace(el, ...children) {
  const active = document.activeElement;
  const key = active && active !== el && el.contains(active) ? focusKey(active) : null;
  el.replaceChildren();
  append(el, children);
  if (key) {
    const again = [...el.querySelectorAll(active.tagName)].find((e) => focusKey(e) === key);
    if (again) again.focus();
  }
  return el;
}

const focusKey = (e) => `${e.tagName}|${e.id}|${e.getAttribute('href') || ''}|${e.textContent}`;

const healthIcons = { passing: '\u2713', warning: '!', critical: '\u2715' };

// healthBadge shows a status in words, with a symbol and colour that only
// repeat it. label, when given, comes before the status ("2 passing").
export function healthBadge(status, label) {
  const known = status in healthIcons ? status : 'unknown';
  const text = label == null ? status : `${label} ${status}`;
  return h('span', { class: `health health-${known}`, 'data-status': status },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, healthIcons[known] || '?'),
    h('span', { class: 'word' }, text));
}

// table renders rows under columns [{label, cell(row) -> node|string,
// class?}]. Every cell carries its column's label for the phone layout.
export function table(columns, rows, caption) {
  return h('table', { class: 'data' },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', null, rows.map((row) => h('tr', null,
      columns.map((c) => h('td', { 'data-label': c.label, class: c.class || null }, c.cell(row)))))));
}

// tagList shows tags as chips, or nothing.
export function tagList(tags) {
  if (!tags || tags.length === 0) return h('span', { class: 'empty' }, 'none');
  return h('ul', { class: 'tags' }, tags.map((t) => h('li', { class: 'tag' }, t)));
}

// notice is a message box; kind is ok, warning, error or denied. Errors
// and denials are announced at once (role alert), the rest politely.
export function notice(kind, title, ...body) {
  const urgent = kind === 'error' || kind === 'denied';
  return h('div', { class: `notice notice-${kind}`, role: urgent ? 'alert' : 'status' },
    title ? h('strong', null, title) : null, body);
}

// props renders [label, value] pairs as a description list.
export function props(pairs) {
  return h('dl', { class: 'props' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

// heading is a page's h1; it takes focus after a navigation so a screen
// reader announces the new page.
export function heading(text) {
  return h('h1', { tabindex: '-1' }, text);
}

// filteredList lays out a list page in main: the heading, a labelled
// filter box, a one-line summary, a slot for notices and the list itself.
// noun names the items ("services"); hint is the box's placeholder.
export function filteredList(main, title, noun, hint) {
  const id = `${noun}-filter`;
  const parts = {
    filter: h('input', { type: 'search', id, autocomplete: 'off', placeholder: hint }),
    summary: h('p', { class: 'live-status' }),
    alerts: h('div'),
    body: h('div', null, h('p', { class: 'empty' }, `Loading ${noun}\u2026`)),
  };
  append(main, heading(title),
    h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: id }, `Filter ${noun}`), parts.filter)),
    parts.summary, parts.alerts, parts.body);
  return parts;
}

// count is "1 node", "3 nodes".
export function count(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
