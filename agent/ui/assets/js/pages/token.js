// The ACL token: kept in this browser's local storage and sent as
// X-Consul-Token with every request. Saving checks it against
// /v1/acl/token/self and says what it is.
import { token, setToken } from '../api.js';
import { h, append, replace, heading, notice } from '../dom.js';

export function tokenPage(ctx) {
  const { client, main, route } = ctx;
  const next = route.params.next && route.params.next.startsWith('#/') ? route.params.next : '';
  const status = h('div');
  const input = h('input', { type: 'password', id: 'token-input', autocomplete: 'off', spellcheck: 'false', class: 'wide', 'aria-describedby': 'token-hint' });
  const save = h('button', { type: 'submit', class: 'primary', id: 'token-save' }, 'Save token');
  const clear = h('button', { type: 'button', id: 'token-clear' }, 'Clear token');
  const form = h('form', { class: 'panel' },
    h('div', { class: 'field' }, h('label', { for: 'token-input' }, 'ACL token (SecretID)'), input),
    h('p', { class: 'hint', id: 'token-hint' },
      'Kept in this browser\u2019s local storage and sent as the X-Consul-Token header. Clearing it makes requests anonymous.'),
    h('div', { class: 'buttons' }, save, clear));
  append(main, heading('ACL token'), status, form);

  const describe = () => {
    replace(status, token()
      ? notice('ok', 'A token is set for this browser.')
      : notice('warning', 'No token is set: requests are anonymous.'));
  };
  describe();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = input.value.trim();
    if (!t) {
      replace(status, notice('error', 'Paste a token first, or use Clear token.'));
      input.focus();
      return;
    }
    setToken(t);
    input.value = '';
    if (next) {
      window.location.hash = next;
      return;
    }
    try {
      const res = await client.get('/v1/acl/token/self');
      const tok = res.data || {};
      const names = (tok.Policies || []).map((p) => p.Name).join(', ');
      replace(status, notice('ok', 'Token saved.',
        h('p', null, `${tok.Description || 'No description'}${names ? ` \u2014 policies: ${names}` : ''}`)));
    } catch (err) {
      replace(status, notice('warning', 'Token saved, but the agent did not accept it for reading itself.',
        h('p', null, `${err.status ? `HTTP ${err.status}: ` : ''}${err.message}`)));
    }
  });
  clear.addEventListener('click', () => {
    setToken('');
    describe();
  });
}
