// Account settings: mail about mentions left unread (GET/PATCH /api/me's
// `mention_email`). Mail goes out only when the server can send it; its
// language is the one this browser shows (app.js tells the server).
import { get, patch } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText } from './errors.js';

export function emailSection() {
  let alive = true;
  const title = t('settings.email');
  const box = h('input', { type: 'checkbox', id: 'mention-email', disabled: true, dataset: { testid: 'mention-email' }, onchange: onChange });
  const error = errorBox('mention-email-error');
  const done = h('p', { class: 'notice', role: 'status', hidden: true, dataset: { testid: 'mention-email-done' } });

  get('/api/me')
    .then((me) => {
      if (!alive) return;
      box.checked = me.mention_email;
      box.disabled = false;
    })
    .catch((err) => alive && error.set(errorText(err)));

  async function onChange() {
    error.set('');
    done.hidden = true;
    const wanted = box.checked;
    box.disabled = true;
    try {
      const me = await patch('/api/me', { mention_email: wanted });
      if (!alive) return;
      box.checked = me.mention_email;
      done.textContent = t(me.mention_email ? 'email.on' : 'email.off');
      done.hidden = false;
    } catch (err) {
      if (!alive) return;
      box.checked = !wanted;
      error.set(errorText(err));
    } finally {
      box.disabled = false;
    }
  }

  const el = h(
    'section',
    { id: 'settings-email', class: 'admin-section', 'aria-labelledby': 'settings-email-title' },
    h('h2', { id: 'settings-email-title', tabindex: '-1', text: title }),
    h('p', { class: 'muted', text: t('email.lead') }),
    h(
      'div',
      { class: 'card stack narrow-form' },
      h('div', { class: 'check' }, box, h('label', { for: 'mention-email', text: t('email.mentions') })),
      error,
      done,
    ),
  );
  return {
    el,
    title,
    destroy() {
      alive = false;
    },
  };
}
