// What a page shows when the API refuses it: a 403, or a list the ACLs
// emptied (Consul's list endpoints answer 200 and hide what the token may
// not read, saying so in X-Consul-Results-Filtered-By-ACLs).
import { token } from './api.js';
import { h, notice } from './dom.js';
import { link, here } from './route.js';

function tokenHelp() {
  return h('p', null,
    token() ? 'The ACL token set in this browser lacks that permission. ' : 'No ACL token is set, so requests are anonymous. ',
    h('a', { href: link('token', { next: here() }) }, 'Enter an ACL token'),
    '.');
}

// deniedNotice is the message for a 403 on what (e.g. "the key/value store").
export function deniedNotice(what) {
  return notice('denied', 'Permission denied (HTTP 403)',
    h('p', null, `The agent refused to show ${what} to this token.`), tokenHelp());
}

// hiddenNotice is the message for a list ACLs emptied: all is true when
// nothing at all could be shown.
export function hiddenNotice(what, all) {
  if (all) {
    return notice('denied', 'Permission denied: ACLs hide everything here',
      h('p', null, `The agent hid every entry of ${what} from this token.`), tokenHelp());
  }
  return notice('warning', null, h('p', null, `Some ${what} are hidden by ACLs from this token. `,
    h('a', { href: link('token', { next: here() }) }, 'Change the ACL token'), '.'));
}

// errorNotice is the message for any failed read of what.
export function errorNotice(err, what) {
  if (err && err.status === 403) return deniedNotice(what);
  return notice('error', `Could not load ${what}`, h('p', null, String(err && err.message ? err.message : err)),
    h('p', { class: 'hint' }, 'Retrying in the background.'));
}
