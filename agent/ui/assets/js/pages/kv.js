// The key/value browser and editor. A path ending in "/" (or empty) is a
// folder: its keys and sub-folders (?keys&separator=/, live), a form to
// create a key or folder, and deleting the folder. Any other path is a
// key: its value and flags, saved with ?cas=ModifyIndex so that a write
// someone else made after the page loaded is never overwritten unseen.
import { watch, isAbort } from '../api.js';
import { h, append, replace, table, heading, notice, props } from '../dom.js';
import { errorNotice } from '../access.js';
import { link } from '../route.js';

const kvPath = (key) => `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;

// parentOf is the folder holding key ('' for the root).
function parentOf(key) {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? '' : trimmed.slice(0, i + 1);
}

// crumbs links the root and every folder above key.
function crumbs(key, dc) {
  const parts = key.split('/').filter((p, i, all) => p !== '' || i < all.length - 1);
  const items = [h('li', null, h('a', { href: link('kv', { key: '', dc }) }, 'Key/Value'))];
  let acc = '';
  for (const [i, p] of parts.entries()) {
    const last = i === parts.length - 1;
    acc += last && !key.endsWith('/') ? p : `${p}/`;
    items.push(h('li', null, last ? h('span', { 'aria-current': 'page' }, p) : h('a', { href: link('kv', { key: acc, dc }) }, p)));
  }
  return h('nav', { 'aria-label': 'Breadcrumb' }, h('ol', { class: 'crumbs' }, items));
}

// decodeValue turns the API's base64 into text; a value that is not
// UTF-8 stays base64 and is marked binary.
function decodeValue(b64) {
  if (!b64) return { text: '', binary: false };
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), binary: false };
  } catch {
    return { text: b64, binary: true };
  }
}

// flagsValue reads a flags field: a whole number, or null.
function flagsValue(input) {
  const v = input.value.trim() || '0';
  return /^\d{1,20}$/.test(v) ? v : null;
}

// confirmRow replaces a button's row with a question and two buttons; the
// keyboard lands on Cancel, so Enter never deletes by accident.
function confirmRow(box, question, yesLabel, onYes) {
  const cancel = h('button', { type: 'button', onclick: () => replace(box) }, 'Cancel');
  replace(box, notice('warning', question, h('div', { class: 'buttons' },
    h('button', { type: 'button', class: 'danger', id: 'confirm-yes', onclick: onYes }, yesLabel), cancel)));
  cancel.focus();
}

export function kvPage(ctx) {
  const key = ctx.route.params.key || '';
  if (key === '' || key.endsWith('/')) folderPage(ctx, key);
  else keyPage(ctx, key);
}

function folderPage(ctx, prefix) {
  const { client, signal, main, route } = ctx;
  const dc = route.dc;
  const alerts = h('div');
  const list = h('div', null, h('p', { class: 'empty' }, 'Loading keys\u2026'));
  const result = h('div');
  const name = h('input', { type: 'text', id: 'kv-new-name', autocomplete: 'off', required: true, 'aria-describedby': 'kv-new-name-hint' });
  const value = h('textarea', { id: 'kv-new-value', rows: '4' });
  const flags = h('input', { type: 'number', id: 'kv-new-flags', min: '0', step: '1', value: '0', inputmode: 'numeric' });
  const form = h('form', { class: 'panel', 'aria-labelledby': 'kv-create-title' },
    h('h2', { id: 'kv-create-title' }, 'Create a key or folder'),
    h('div', { class: 'row' },
      h('div', { class: 'field grow' }, h('label', { for: 'kv-new-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'kv-new-flags' }, 'Flags'), flags)),
    h('p', { class: 'hint', id: 'kv-new-name-hint' }, `Created under ${prefix ? `"${prefix}"` : 'the root'}. End the name with / to make a folder.`),
    h('div', { class: 'field' }, h('label', { for: 'kv-new-value' }, 'Value'), value),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary', id: 'kv-create' }, 'Create')),
    result);
  const danger = h('div');
  const deleteFolder = prefix ? h('div', { class: 'buttons' }, h('button', {
    type: 'button', class: 'danger', id: 'kv-delete-folder',
    onclick: () => confirmRow(danger, `Delete the folder "${prefix}" and every key under it?`, 'Delete folder', async () => {
      try {
        await client.del(kvPath(prefix), { query: { recurse: true } });
        window.location.hash = link('kv', { key: parentOf(prefix), dc });
      } catch (err) {
        replace(danger, errorNotice(err, 'the folder'));
      }
    }),
  }, 'Delete folder\u2026'), danger) : null;

  append(main, crumbs(prefix, dc), heading(prefix || 'Key/Value'), alerts, list, form, deleteFolder);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const rel = name.value.trim();
    const f = flagsValue(flags);
    if (!rel || rel.startsWith('/')) {
      replace(result, notice('error', 'Give the key a name that does not start with /.'));
      name.focus();
      return;
    }
    if (f === null) {
      replace(result, notice('error', 'Flags must be a whole number from 0 up.'));
      flags.focus();
      return;
    }
    const full = prefix + rel;
    const folder = full.endsWith('/');
    try {
      const res = await client.put(kvPath(full), folder ? '' : value.value, { query: { cas: 0, flags: f } });
      if (res.data !== true) {
        replace(result, notice('warning', `"${full}" already exists.`, h('p', null,
          h('a', { href: link('kv', { key: full, dc }) }, `Open "${full}"`), ' to edit it.')));
        return;
      }
      if (folder) {
        replace(result, notice('ok', `Created folder "${full}".`));
        name.value = '';
      } else {
        window.location.hash = link('kv', { key: full, dc });
      }
    } catch (err) {
      replace(result, errorNotice(err, `the key "${full}"`));
    }
  });

  watch(client, kvPath(prefix), { keys: true, separator: '/' }, signal, (res) => {
    replace(alerts);
    const keys = (res.data || []).filter((k) => k !== prefix);
    if (keys.length === 0) {
      replace(list, h('p', { class: 'empty' }, prefix ? 'This folder is empty.' : 'The store is empty.'));
      return;
    }
    replace(list, table([
      { label: 'Name', class: 'name', cell: (k) => h('a', { href: link('kv', { key: k, dc }) }, k.slice(prefix.length)) },
      { label: 'Kind', cell: (k) => (k.endsWith('/') ? 'folder' : 'key') },
    ], keys));
  }, (err) => {
    replace(alerts, errorNotice(err, prefix ? `the keys under "${prefix}"` : 'the key/value store'));
    if (err.status === 403) replace(list);
  }, { notFoundOK: true });
}

function keyPage(ctx, key) {
  const { client, signal, main, route } = ctx;
  const dc = route.dc;
  const alerts = h('div');
  const remote = h('div');
  const meta = h('div');
  const value = h('textarea', { id: 'kv-value', rows: '10', 'aria-describedby': 'kv-value-hint' });
  const valueHint = h('p', { class: 'hint', id: 'kv-value-hint' }, 'Saved as UTF-8 text.');
  const flags = h('input', { type: 'number', id: 'kv-flags', min: '0', step: '1', inputmode: 'numeric' });
  const save = h('button', { type: 'submit', class: 'primary', id: 'kv-save' }, 'Save');
  const danger = h('div');
  const del = h('button', { type: 'button', class: 'danger', id: 'kv-delete' }, 'Delete\u2026');
  const form = h('form', { class: 'panel', 'aria-label': `Edit ${key}` },
    meta,
    h('div', { class: 'field' }, h('label', { for: 'kv-value' }, 'Value'), value), valueHint,
    h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'kv-flags' }, 'Flags'), flags)),
    h('div', { class: 'buttons' }, save, del), danger);
  const body = h('div', null, h('p', { class: 'empty' }, 'Loading key\u2026'));
  append(main, crumbs(key, dc), heading(key), alerts, remote, body);

  let entry = null; // what the form was loaded from: its ModifyIndex guards the save
  let busy = false;
  let conflicted = false; // a conflict notice is up and says it all

  const load = (e) => {
    entry = e;
    conflicted = false;
    const v = decodeValue(e.Value);
    value.value = v.text;
    value.readOnly = v.binary;
    save.disabled = false;
    valueHint.textContent = v.binary
      ? 'This value is not UTF-8 text; it is shown as base64 and cannot be edited here.'
      : 'Saved as UTF-8 text.';
    flags.value = String(e.Flags || 0);
    replace(meta, props([
      ['Modify index', String(e.ModifyIndex)],
      ['Create index', String(e.CreateIndex)],
      ['Lock index', String(e.LockIndex || 0)],
      e.Session ? ['Held by session', h('span', { class: 'mono' }, e.Session)] : null,
    ]));
    replace(remote);
    if (!form.isConnected) replace(body, form);
  };

  const read = async () => {
    const res = await client.get(kvPath(key), { signal, notFoundOK: true });
    return res.data && res.data[0] ? res.data[0] : null;
  };

  // conflict shows what changed under the editor and lets the operator
  // choose: go ahead over the other change, or take the other version.
  const conflict = (theirs, what) => {
    if (!theirs && what === 'deleted') {
      window.location.hash = link('kv', { key: parentOf(key), dc });
      return;
    }
    const mine = value.value;
    const saving = what === 'saved';
    conflicted = true;
    replace(remote);
    const overwrite = h('button', { type: 'button', class: 'danger', id: 'kv-overwrite' }, saving ? 'Overwrite with my text' : 'Delete anyway');
    const take = h('button', { type: 'button', id: 'kv-take-theirs' }, theirs ? 'Discard mine and load theirs' : 'Discard mine');
    replace(alerts, notice('warning', `Not ${what}: someone else changed this key after you opened it.`,
      theirs
        ? [h('p', null, `It is now at modify index ${theirs.ModifyIndex}. Its current value:`), h('pre', { class: 'output' }, decodeValue(theirs.Value).text)]
        : h('p', null, 'It has been deleted.'),
      saving ? h('p', null, 'Your text is still in the editor.') : null,
      h('div', { class: 'buttons' }, overwrite, take)));
    overwrite.addEventListener('click', () => {
      // The guard moves to the version just shown: a third change in the
      // meantime is caught again.
      entry = theirs || { ModifyIndex: 0, Flags: 0 };
      conflicted = false;
      value.value = mine;
      replace(alerts);
      if (saving) doSave();
      else doDelete();
    });
    take.addEventListener('click', () => {
      replace(alerts);
      if (theirs) load(theirs);
      else window.location.hash = link('kv', { key: parentOf(key), dc });
    });
    overwrite.focus();
  };

  const doSave = async () => {
    const f = flagsValue(flags);
    if (f === null) {
      replace(alerts, notice('error', 'Flags must be a whole number from 0 up.'));
      flags.focus();
      return;
    }
    busy = true;
    save.disabled = true;
    try {
      const res = await client.put(kvPath(key), value.value, { query: { cas: entry.ModifyIndex, flags: f } });
      const now = await read();
      if (res.data === true) {
        const text = value.value;
        if (now) load(now);
        value.value = text;
        replace(alerts, notice('ok', `Saved "${key}" at modify index ${now ? now.ModifyIndex : '?'}.`));
      } else {
        conflict(now, 'saved');
      }
    } catch (err) {
      if (!isAbort(err)) replace(alerts, errorNotice(err, `the key "${key}"`));
    } finally {
      busy = false;
      save.disabled = value.readOnly;
    }
  };

  const doDelete = async () => {
    try {
      const res = await client.del(kvPath(key), { query: { cas: entry.ModifyIndex } });
      if (res.data === true) {
        window.location.hash = link('kv', { key: parentOf(key), dc });
        return;
      }
      conflict(await read(), 'deleted');
    } catch (err) {
      if (!isAbort(err)) replace(alerts, errorNotice(err, `the key "${key}"`));
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!busy && entry) doSave();
  });
  del.addEventListener('click', () => confirmRow(danger, `Delete the key "${key}"?`, 'Delete key', () => {
    replace(danger);
    doDelete();
  }));

  // The first answer fills the editor; later ones only warn, so nobody's
  // typing is replaced under them.
  watch(client, kvPath(key), {}, signal, (res) => {
    const latest = res.data && res.data[0] ? res.data[0] : null;
    if (!entry) {
      if (latest) load(latest);
      else {
        replace(body, h('p', { class: 'empty' }, `There is no key "${key}". `,
          h('a', { href: link('kv', { key: parentOf(key), dc }) }, 'Create it in its folder'), '.'));
      }
      return;
    }
    if (busy || conflicted) return;
    if (!latest || latest.ModifyIndex !== entry.ModifyIndex) {
      replace(remote, notice('warning', latest
        ? `This key changed elsewhere (now at modify index ${latest.ModifyIndex}).`
        : 'This key was deleted elsewhere.',
      h('p', null, 'Saving will not overwrite that change without asking you first.')));
    } else {
      replace(remote);
    }
  }, (err) => {
    replace(alerts, errorNotice(err, `the key "${key}"`));
  }, { notFoundOK: true });
}
