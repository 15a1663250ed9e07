// Account settings: change one's password (POST /api/me/password, the current
// one needed). The server keeps this session and ends every other one, whose
// open tabs go to the sign-in page saying why (app.js, close code 4001).
import { ApiError, post } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { errorBox } from './errors.js';
import { newPassword } from './password.js';

export function passwordSection(shared) {
  const current = h('input', {
    type: 'password',
    name: 'current-password',
    autocomplete: 'current-password',
    required: true,
    dataset: { testid: 'password-current' },
  });
  const chosen = newPassword('password');
  const error = errorBox('password-error');
  const done = h('p', { class: 'notice', role: 'status', hidden: true, dataset: { testid: 'password-done' }, text: t('password.changed') });
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'password-submit' }, text: t('password.submit') });
  const title = t('settings.password');

  async function onSubmit(ev) {
    ev.preventDefault();
    error.set('');
    done.hidden = true;
    if (!current.value) return error.set(t('password.currentMissing'));
    const problem = chosen.check();
    if (problem) return error.set(problem);
    submit.disabled = true;
    try {
      await post('/api/me/password', { current: current.value, new: chosen.value() });
      current.value = '';
      chosen.reset();
      done.hidden = false;
      shared.emit('others-ended');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'wrong_password') {
        error.set(t('password.wrongCurrent'));
        current.select();
      } else if (err instanceof ApiError && err.status === 401) {
        /* signed out meanwhile: app.js shows the sign-in page */
      } else {
        error.set(chosen.explain(err));
      }
    } finally {
      submit.disabled = false;
    }
  }

  const el = h(
    'section',
    { id: 'settings-password', class: 'admin-section', 'aria-labelledby': 'settings-password-title' },
    h('h2', { id: 'settings-password-title', tabindex: '-1', text: title }),
    h('p', { class: 'muted', text: t('password.lead') }),
    h(
      'form',
      { class: 'card stack narrow-form', novalidate: true, dataset: { testid: 'password-form' }, onsubmit: onSubmit },
      // For password managers: whose password this is.
      h('input', { type: 'email', name: 'email', autocomplete: 'username', value: app.me.email, hidden: true, readonly: true }),
      field(t('password.current'), current),
      chosen.el,
      error,
      done,
      h('div', { class: 'row end' }, submit),
    ),
  );
  return { el, title };
}
