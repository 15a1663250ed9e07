// A password link (#/reset/<token>), mailed after "forgot your password" or
// made by an administrator, also for accounts imported without a password (then
// it welcomes the person and asks for their first one): says whose password it
// sets (GET /api/resets/{token}), takes it (POST, which ends every other session
// and signs in here).
import { post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox } from './errors.js';
import { languagePicker } from './langpick.js';
import { brand, linkPage } from './link_page.js';
import { newPassword } from './password.js';

export function mount(container, [token], { signedIn }) {
  document.title = `${t('reset.title')} · Kaisha`;
  const path = `/api/resets/${encodeURIComponent(token)}`;
  const page = linkPage(container, { testid: 'reset', path, invalidTitle: 'reset.invalidTitle', invalidText: 'reset.invalid', toSignin: true, render });
  const { card } = page;

  function render(info) {
    const chosen = newPassword('reset');
    const error = errorBox('reset-error');
    // A first password (an imported account): a welcome rather than a reset.
    const words = info.first
      ? { title: 'welcome.title', lead: 'welcome.lead', submit: 'welcome.submit' }
      : { title: 'reset.title', lead: 'reset.lead', submit: 'reset.submit' };
    document.title = `${t(words.title)} · Kaisha`;
    const submit = h('button', { type: 'submit', class: 'btn primary wide', dataset: { testid: 'reset-submit' }, text: t(words.submit) });
    card.replaceChildren(
      brand(),
      h('h1', { id: 'reset-title', text: t(words.title) }),
      h('p', { class: 'muted', dataset: { testid: 'reset-whose' }, text: t(words.lead, { name: info.display_name, email: info.email }) }),
      h(
        'form',
        { class: 'stack', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'reset-title' },
        // For password managers: whose password this is.
        h('input', { type: 'email', name: 'email', autocomplete: 'username', value: info.email, hidden: true, readonly: true }),
        chosen.el,
        info.first ? null : h('p', { class: 'muted small', text: t('reset.othersEnd') }),
        error,
        submit,
      ),
      languagePicker(),
    );
    chosen.input.focus();

    async function onSubmit(ev) {
      ev.preventDefault();
      error.set('');
      const problem = chosen.check();
      if (problem) return error.set(problem);
      submit.disabled = true;
      try {
        const session = await post(path, { password: chosen.value() });
        signedIn(session);
        location.hash = session.welcome ? '#/welcome' : '#/';
      } catch (err) {
        error.set(err.code === 'not_found' ? t('reset.invalid') : chosen.explain(err));
      } finally {
        submit.disabled = false;
      }
    }
  }

  return page;
}
