// The sign-in page: the only page a signed-out visitor sees (besides invitation links).
import { ApiError, get, post } from '../api.js';
import { h, field } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText } from './errors.js';
import { languagePicker } from './langpick.js';

export function mount(container, _params, { signedIn }) {
  const reason = sessionStorage.getItem('kaisha:signin-reason');
  sessionStorage.removeItem('kaisha:signin-reason');
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, dataset: { testid: 'signin-email' } });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, dataset: { testid: 'signin-password' } });
  const error = errorBox('signin-error');
  const submit = h('button', { type: 'submit', class: 'btn primary wide', dataset: { testid: 'signin-submit' }, text: t('signin.submit') });
  const setupNote = h('p', { class: 'notice', hidden: true, dataset: { testid: 'setup-note' }, text: t('signin.needsSetup') });
  const notice = reason
    ? h('p', { class: 'notice', role: 'status', dataset: { testid: 'signin-notice' }, text: t(`signin.reason.${reason}`) })
    : null;

  const form = h(
    'form',
    { class: 'stack', novalidate: true, dataset: { testid: 'signin-form' }, onsubmit: onSubmit },
    field(t('signin.email'), email),
    field(t('signin.password'), password),
    error,
    submit,
  );

  container.replaceChildren(
    h(
      'div',
      { class: 'auth-page' },
      h(
        'section',
        { class: 'center-card', 'aria-labelledby': 'signin-title', dataset: { testid: 'signin-page' } },
        h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true', text: '会' }), 'Kaisha'),
        h('h1', { id: 'signin-title', text: t('signin.title') }),
        h('p', { class: 'muted', text: t('signin.lead') }),
        notice,
        setupNote,
        form,
        languagePicker(),
      ),
    ),
  );
  document.title = `${t('signin.title')} · Kaisha`;
  email.focus();

  get('/api/setup')
    .then((s) => {
      setupNote.hidden = !s.needs_setup;
    })
    .catch(() => {});

  async function onSubmit(ev) {
    ev.preventDefault();
    error.set('');
    if (!email.value.trim() || !password.value) {
      error.set(t('signin.missing'));
      return;
    }
    submit.disabled = true;
    try {
      const session = await post('/api/session', { email: email.value.trim(), password: password.value });
      signedIn(session);
      const next = sessionStorage.getItem('kaisha:after-signin');
      sessionStorage.removeItem('kaisha:after-signin');
      location.hash = next && next !== '#/signin' ? next : '#/';
    } catch (err) {
      error.set(
        errorText(err, {
          unauthorized: t('signin.wrong'),
          invalid: t('signin.wrong'),
          rate_limited: t('signin.throttled'),
        }),
      );
      if (err instanceof ApiError && err.status === 401) password.select();
    } finally {
      submit.disabled = false;
    }
  }

  return { destroy() {} };
}
