// An invitation link (#/invite/<token>): create one's account and sign in.
// The first-run setup link is the same page, for the first administrator.
import { post } from '../api.js';
import { field, h, setChildren } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText } from './errors.js';
import { languagePicker } from './langpick.js';
import { brand, linkPage } from './link_page.js';
import { showWordCheck } from './word_check.js';

export function mount(container, [token], { signedIn }) {
  const path = `/api/invites/${encodeURIComponent(token)}`;
  const page = linkPage(container, { testid: 'invite', path, invalidTitle: 'invite.invalidTitle', invalidText: 'invite.invalid', toSignin: true, render });
  const { card } = page;

  function render(info) {
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, value: info.email ?? '', readonly: info.email ? true : null, dataset: { testid: 'invite-email' } });
    const name = h('input', { type: 'text', name: 'name', autocomplete: 'name', required: true, maxlength: '100', dataset: { testid: 'invite-name' } });
    const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: '8', dataset: { testid: 'invite-password' } });
    const error = errorBox('invite-error');
    const submit = h('button', { type: 'submit', class: 'btn primary wide', dataset: { testid: 'invite-submit' }, text: info.first_admin ? t('invite.createAdmin') : t('invite.join') });
    const details = [];
    if (info.department) details.push(h('li', { text: t('invite.department', { name: info.department }) }));
    if (info.role !== 'member') details.push(h('li', { text: t('invite.role', { role: t(`role.${info.role}`) }) }));

    setChildren(card,
      brand(),
      h('h1', { id: 'invite-title', text: info.first_admin ? t('invite.setupTitle') : t('invite.title') }),
      h('p', { class: 'muted', text: info.first_admin ? t('invite.setupLead') : t('invite.lead') }),
      details.length ? h('ul', { class: 'facts' }, details) : null,
      h(
        'form',
        { class: 'stack', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'invite-title' },
        field(t('invite.email'), email),
        field(t('invite.name'), name, t('invite.nameHint')),
        field(t('invite.password'), password, t('invite.passwordHint')),
        error,
        submit,
      ),
      languagePicker(),
    );
    document.title = `${info.first_admin ? t('invite.setupTitle') : t('invite.title')} · Kaisha`;
    (info.email ? name : email).focus();

    // The name goes through the word check: a warning offers to keep it
    // (sent again with acknowledge_warning), a blocked word asks for another.
    async function onSubmit(ev, acknowledged = false) {
      ev?.preventDefault();
      error.set('');
      if (!email.value.trim() || !name.value.trim()) return error.set(t('invite.missing'));
      if (password.value.length < 8) return error.set(t('invite.shortPassword'));
      submit.disabled = true;
      try {
        const session = await post(`/api/invites/${encodeURIComponent(token)}/accept`, {
          email: email.value.trim(),
          display_name: name.value.trim(),
          password: password.value,
          ...(acknowledged ? { acknowledge_warning: true } : {}),
        });
        signedIn(session);
        location.hash = session.welcome ? '#/welcome' : '#/';
      } catch (err) {
        if (showWordCheck(error, err, { testid: 'invite', control: () => name, anyway: () => onSubmit(null, true) })) return;
        const fieldName = err.fields?.[0]?.field;
        error.set(
          errorText(err, {
            conflict: t('invite.emailTaken'),
            not_found: t('invite.invalid'),
            invalid: fieldName === 'email' ? t('invite.badEmail') : t('invite.missing'),
          }),
        );
      } finally {
        submit.disabled = false;
      }
    }
  }

  return page;
}
