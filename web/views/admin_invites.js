// Admin: make an invitation link (optionally for one email, a department, a role).
import { post } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { departmentSelect, roleSelect } from './admin_fields.js';
import { errorBox, errorText, toast } from './errors.js';

export function invitesSection(shared) {
  const email = h('input', { type: 'email', autocomplete: 'off', dataset: { testid: 'invite-link-email' } });
  const dept = departmentSelect(shared, null, { dataset: { testid: 'invite-link-department' } });
  const role = roleSelect('member', { dataset: { testid: 'invite-link-role' } });
  const error = errorBox('invite-link-error');
  const result = h('div', { class: 'invite-result', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'invite-link-submit' }, text: t('admin.makeLink') });

  const form = h(
    'form',
    {
      class: 'grid-form card',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        submit.disabled = true;
        try {
          const body = { role: role.value };
          if (email.value.trim()) body.email = email.value.trim();
          if (dept.value) body.department_id = Number(dept.value);
          const issued = await post('/api/invites', body);
          showLink(issued.url);
        } catch (err) {
          error.set(errorText(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    field(t('admin.inviteEmail'), email, t('admin.inviteEmailHint')),
    field(t('people.department'), dept),
    field(t('people.role'), role),
    error,
    h('div', { class: 'row end span' }, submit),
  );

  function showLink(url) {
    const output = h('input', { type: 'text', id: 'invite-link-url', readonly: true, value: url, 'aria-describedby': 'invite-link-hint', dataset: { testid: 'invite-link-url' } });
    const copy = h('button', {
      type: 'button',
      class: 'btn',
      text: t('admin.copy'),
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(url);
        } catch {
          output.select();
          document.execCommand('copy');
        }
        toast(t('admin.copied'));
      },
    });
    result.replaceChildren(
      h('label', { for: 'invite-link-url', text: t('admin.linkReady') }),
      h('div', { class: 'copy-row' }, output, copy),
      h('small', { id: 'invite-link-hint', class: 'hint', text: t('admin.linkHint') }),
    );
    result.hidden = false;
    output.focus();
    output.select();
  }

  const el = h(
    'section',
    { id: 'admin-invites', class: 'admin-section', 'aria-labelledby': 'admin-invites-title' },
    h('h2', { id: 'admin-invites-title', tabindex: '-1', text: t('admin.invites') }),
    h('p', { class: 'muted', text: t('admin.invitesLead') }),
    form,
    result,
  );
  return { el, destroy: () => dept.dispose() };
}

