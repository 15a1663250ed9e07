// Admin: make an invitation link (optionally for one email, a department, a
// role), and the links not used yet (GET /api/invites), each revocable
// (DELETE /api/invites/{id}).
import { del, get, post } from '../api.js';
import { field, h } from '../dom.js';
import { formatAgo, formatDate, t } from '../i18n/index.js';
import { departmentSelect, roleSelect } from './admin_fields.js';
import { copyBox } from './copy.js';
import { errorBox, errorText, toast } from './errors.js';

export function invitesSection(shared) {
  let alive = true;
  const email = h('input', { type: 'email', autocomplete: 'off', dataset: { testid: 'invite-link-email' } });
  const dept = departmentSelect(shared, null, { dataset: { testid: 'invite-link-department' } });
  const role = roleSelect('member', { dataset: { testid: 'invite-link-role' } });
  const error = errorBox('invite-link-error');
  const result = h('div', { hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'invite-link-submit' }, text: t('admin.makeLink') });
  const list = h('ul', { class: 'account-list', dataset: { testid: 'invites-list' } });
  let invites = [];

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
          load();
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
    const box = copyBox(url, { label: t('admin.linkReady'), hint: t('admin.linkHint'), testid: 'invite-link-url', copied: t('admin.copied') });
    result.replaceChildren(box.el);
    result.hidden = false;
    box.focus();
  }

  async function load() {
    try {
      const found = await get('/api/invites');
      if (!alive) return;
      invites = found;
      render();
    } catch (err) {
      if (alive) list.replaceChildren(h('li', { role: 'alert', text: errorText(err) }));
    }
  }

  function render() {
    list.replaceChildren(...(invites.length ? invites.map(row) : [h('li', { class: 'muted', text: t('invites.none') })]));
  }

  function row(invite) {
    const department = shared.departments.find((d) => d.id === invite.department_id)?.name;
    const facts = [
      department ? t('invite.department', { name: department }) : null,
      t('invite.role', { role: t(`role.${invite.role}`) }),
      t('invites.made', { when: formatAgo(invite.created_at) }),
      t('invites.expires', { date: formatDate(invite.expires_at) }),
    ].filter(Boolean);
    const controls = h('div', { class: 'account-controls' });
    const revoke = h('button', { type: 'button', class: 'btn small', dataset: { testid: 'invite-revoke' }, text: t('invites.revoke'), onclick: confirm });
    controls.append(revoke);

    function confirm() {
      const yes = h('button', {
        type: 'button',
        class: 'btn small danger',
        dataset: { testid: 'invite-revoke-confirm' },
        text: t('invites.revoke'),
        onclick: async () => {
          yes.disabled = true;
          try {
            await del(`/api/invites/${encodeURIComponent(invite.id)}`);
            toast(t('invites.revoked'));
          } catch (err) {
            if (err.code !== 'not_found') toast(errorText(err)); // used or revoked meanwhile
          }
          load();
        },
      });
      const no = h('button', { type: 'button', class: 'btn small', text: t('common.cancel'), onclick: () => controls.replaceChildren(revoke) });
      controls.replaceChildren(h('span', { class: 'confirm-text', role: 'alert', text: t('invites.revokeQ') }), yes, no);
      no.focus();
    }

    return h(
      'li',
      { class: 'account', dataset: { testid: 'invite', inviteId: invite.id } },
      h('div', { class: 'account-who' }, h('div', {}, h('strong', { text: invite.email ?? t('invites.anyone') }), h('small', { class: 'muted', text: facts.join(' · ') }))),
      controls,
    );
  }

  const offDepartments = shared.on('departments', () => invites.length && render());
  const el = h(
    'section',
    { id: 'admin-invites', class: 'admin-section', 'aria-labelledby': 'admin-invites-title' },
    h('h2', { id: 'admin-invites-title', tabindex: '-1', text: t('admin.invites') }),
    h('p', { class: 'muted', text: t('admin.invitesLead') }),
    form,
    result,
    h('h3', { class: 'sub-heading', text: t('invites.open') }),
    list,
  );
  load();
  return {
    el,
    destroy() {
      alive = false;
      offDepartments();
      dept.dispose();
    },
  };
}
