// Asking for the terms of use (利用規約) to be accepted: a modal dialog with
// the terms in force and Accept, opened at sign-in when they were never
// accepted and in every open tab the moment an admin publishes a new version
// (web/terms.js follows the person's own stream). "Later" closes it: reading
// stays open, and the composers show a bar that opens it again (accepting is
// what lets one post, comment or like).
import { get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { safeFragment } from '../safe_html.js';
import { acceptTerms } from '../terms.js';
import { app } from '../state.js';
import { errorBox, errorText } from './errors.js';

let open = null; // the dialog on screen, if any

/** Open the terms to be accepted (again, if "Later" closed them). */
export async function showTermsPrompt() {
  if (open) return;
  const body = h('div', { class: 'terms-body post-body', dataset: { testid: 'terms-body' } }, h('p', { class: 'muted', text: t('common.loading') }));
  const error = errorBox('terms-error');
  const accept = h('button', { type: 'button', class: 'btn primary', dataset: { testid: 'terms-accept' }, disabled: true, text: t('terms.accept') });
  const later = h('button', { type: 'button', class: 'btn ghost', dataset: { testid: 'terms-later' }, text: t('terms.later'), onclick: () => dialog.close() });
  const dialog = h(
    'dialog',
    { class: 'terms-dialog', 'aria-labelledby': 'terms-title', dataset: { testid: 'terms-dialog' } },
    h('h2', { id: 'terms-title', text: t('terms.title') }),
    h('p', { class: 'muted small', dataset: { testid: 'terms-lead' }, text: t('terms.lead') }),
    body,
    error,
    h('div', { class: 'row end' }, later, accept),
  );
  open = dialog;
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (open === dialog) open = null;
  });
  document.body.append(dialog);
  dialog.showModal();
  let terms;
  try {
    terms = await get('/api/terms');
  } catch (err) {
    error.set(errorText(err));
    return;
  }
  body.replaceChildren(safeFragment(terms.html));
  body.scrollTop = 0;
  accept.disabled = false;
  accept.onclick = async () => {
    accept.disabled = true;
    error.set('');
    try {
      await acceptTerms(terms.version);
      dialog.close();
    } catch (err) {
      // A newer version came meanwhile: show that one.
      if (err.code === 'conflict') {
        dialog.close();
        showTermsPrompt();
        return;
      }
      error.set(errorText(err));
      accept.disabled = false;
    }
  };
}

/** What stands instead of a composer until the terms are accepted. */
export function termsBar(testid) {
  const read = h('button', { type: 'button', class: 'btn primary', dataset: { testid: `${testid}-open` }, text: t('terms.readAndAccept'), onclick: () => showTermsPrompt() });
  return h('div', { class: 'join-bar', dataset: { testid } }, h('span', { text: t('terms.needed') }), read);
}

/** While signed in: open the prompt whenever one's standing says so; close it once accepted. */
export function watchTerms() {
  const check = () => {
    if (app.terms.needed) showTermsPrompt();
    else open?.close();
  };
  check();
  return app.on('terms', check);
}
