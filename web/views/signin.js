// The sign-in page: the only page a signed-out visitor sees (besides invitation
// and reset links). It says why one is here when one was signed out (a reason
// left in sessionStorage by app.js), and has the "forgot your password" form:
// the server mails a reset link when it can send mail, and otherwise says to
// ask an administrator for one.
import { ApiError, get, post } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText } from './errors.js';
import { languagePicker } from './langpick.js';

const REASONS = new Set([
  'expired',
  'signed-out',
  'signed-out-elsewhere',
  'session-ended',
  'password-changed',
  'deactivated',
  'suspended',
]);

export function mount(container, _params, { signedIn }) {
  const reason = sessionStorage.getItem('kaisha:signin-reason');
  sessionStorage.removeItem('kaisha:signin-reason');
  let alive = true;
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, dataset: { testid: 'signin-email' } });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, dataset: { testid: 'signin-password' } });
  const error = errorBox('signin-error');
  const submit = h('button', { type: 'submit', class: 'btn primary wide', dataset: { testid: 'signin-submit' }, text: t('signin.submit') });
  const setupNote = h('p', { class: 'notice', hidden: true, dataset: { testid: 'setup-note' }, text: t('signin.needsSetup') });
  const notice = REASONS.has(reason)
    ? h('p', {
        class: `notice${reason === 'deactivated' || reason === 'suspended' ? ' warn' : ''}`,
        role: 'status',
        dataset: { testid: 'signin-notice', reason },
        text: t(`signin.reason.${reason}`),
      })
    : null;

  const form = h(
    'form',
    { class: 'stack', novalidate: true, dataset: { testid: 'signin-form' }, onsubmit: onSubmit },
    field(t('signin.email'), email),
    field(t('signin.password'), password),
    error,
    submit,
    h('button', { type: 'button', class: 'link-btn quiet-link', dataset: { testid: 'forgot-link' }, onclick: showForgot, text: t('forgot.link') }),
  );
  // One form at a time in the page (so "Email" names one field): sign-in or forgot.
  const body = h('div', { class: 'stack' }, form);
  const title = h('h1', { id: 'signin-title', text: t('signin.title') });
  const lead = h('p', { class: 'muted', text: t('signin.lead') });

  container.replaceChildren(
    h(
      'div',
      { class: 'auth-page' },
      h(
        'section',
        { class: 'center-card', 'aria-labelledby': 'signin-title', dataset: { testid: 'signin-page' } },
        h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true', text: '会' }), 'Kaisha'),
        title,
        lead,
        notice,
        setupNote,
        body,
        languagePicker(),
      ),
    ),
  );
  document.title = `${t('signin.title')} · Kaisha`;
  email.focus();

  get('/api/setup')
    .then((s) => {
      if (alive) setupNote.hidden = !s.needs_setup;
    })
    .catch(() => {});

  function showForgot() {
    const forgot = forgotForm(showSignIn, email.value.trim());
    body.replaceChildren(forgot.el);
    lead.hidden = true;
    if (notice) notice.hidden = true;
    title.textContent = t('forgot.title');
    forgot.focus();
  }

  function showSignIn() {
    body.replaceChildren(form);
    lead.hidden = false;
    title.textContent = t('signin.title');
    email.focus();
  }

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
      // A newcomer's first sign-in opens their welcome page.
      location.hash = session.welcome ? '#/welcome' : next && next !== '#/signin' ? next : '#/';
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

  return {
    destroy() {
      alive = false;
    },
  };
}

/**
 * "Forgot your password?": POST /api/password/forgot. The answer is alike for
 * addresses with and without an account; `mailed: false` means this server
 * sends no mail, so an administrator has to make the link.
 */
function forgotForm(back, typedEmail) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, value: typedEmail, dataset: { testid: 'forgot-email' } });
  const error = errorBox('forgot-error');
  const answer = h('p', { class: 'notice', role: 'status', hidden: true, dataset: { testid: 'forgot-answer' } });
  const submit = h('button', { type: 'submit', class: 'btn primary wide', dataset: { testid: 'forgot-submit' }, text: t('forgot.submit') });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, dataset: { testid: 'forgot-form' }, onsubmit: onSubmit },
    h('p', { class: 'muted', text: t('forgot.lead') }),
    field(t('signin.email'), email),
    error,
    submit,
  );
  const el = h(
    'div',
    { class: 'stack' },
    form,
    answer,
    h('button', { type: 'button', class: 'link-btn quiet-link', dataset: { testid: 'forgot-back' }, onclick: back, text: t('forgot.back') }),
  );

  async function onSubmit(ev) {
    ev.preventDefault();
    error.set('');
    const address = email.value.trim();
    if (!address.includes('@')) {
      error.set(t('forgot.missing'));
      return;
    }
    submit.disabled = true;
    try {
      const { mailed } = await post('/api/password/forgot', { email: address });
      answer.dataset.mailed = String(mailed);
      answer.textContent = mailed ? t('forgot.mailed', { email: address }) : t('forgot.noMail');
      answer.hidden = false;
      form.hidden = true;
    } catch (err) {
      error.set(errorText(err, { invalid: t('forgot.missing'), rate_limited: t('signin.throttled') }));
    } finally {
      submit.disabled = false;
    }
  }

  return { el, focus: () => email.focus() };
}
