// A set-password link (#/welcome/<token>), for accounts an administrator
// imported: the person sees whose account it is, chooses a password, and is
// signed in as anyone else would be.
import { get, post } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText } from './errors.js';
import { languagePicker } from './langpick.js';

export function mount(container, [token], { signedIn }) {
  let alive = true;
  const card = h('section', { class: 'center-card', 'aria-busy': 'true', dataset: { testid: 'welcome-page' } });
  container.replaceChildren(h('div', { class: 'auth-page' }, card));
  card.append(h('p', { class: 'muted', text: t('common.loading') }));
  const path = `/api/welcome/${encodeURIComponent(token)}`;

  get(path)
    .then((info) => alive && render(info))
    .catch((err) => alive && renderInvalid(err));

  function brand() {
    return h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true', text: '会' }), 'Kaisha');
  }

  function renderInvalid(err) {
    card.setAttribute('aria-busy', 'false');
    card.replaceChildren(
      brand(),
      h('h1', { text: t('welcome.invalidTitle') }),
      h('p', { role: 'alert', dataset: { testid: 'welcome-invalid' }, text: err.code === 'not_found' ? t('welcome.invalid') : errorText(err) }),
      h('p', {}, h('a', { href: '#/signin', text: t('invite.toSignin') })),
      languagePicker(),
    );
  }

  function render(info) {
    card.setAttribute('aria-busy', 'false');
    // The email, for password managers to store the password under.
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', value: info.email, readonly: true, hidden: true });
    const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: '8', dataset: { testid: 'welcome-password' } });
    const error = errorBox('welcome-error');
    const submit = h('button', { type: 'submit', class: 'btn primary wide', dataset: { testid: 'welcome-submit' }, text: t('welcome.submit') });
    card.replaceChildren(
      brand(),
      h('h1', { id: 'welcome-title', text: t('welcome.title') }),
      h('p', { class: 'muted', dataset: { testid: 'welcome-lead' }, text: t('welcome.lead', { name: info.display_name, email: info.email }) }),
      h(
        'form',
        { class: 'stack', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'welcome-title' },
        email,
        field(t('invite.password'), password, t('invite.passwordHint')),
        error,
        submit,
      ),
      languagePicker(),
    );
    document.title = `${t('welcome.title')} · Kaisha`;
    password.focus();

    async function onSubmit(ev) {
      ev.preventDefault();
      error.set('');
      if (password.value.length < 8) return error.set(t('invite.shortPassword'));
      submit.disabled = true;
      try {
        await post(path, { password: password.value });
        signedIn(await post('/api/session', { email: info.email, password: password.value }));
        location.hash = '#/';
      } catch (err) {
        error.set(errorText(err, { not_found: t('welcome.invalid'), invalid: t('invite.shortPassword') }));
        submit.disabled = false;
      }
    }
  }

  return {
    destroy() {
      alive = false;
    },
  };
}
