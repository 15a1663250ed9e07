// Admin: the list of accounts (change department, role, active; a new sign-in
// link for those who have no password yet), a form to create one, importing
// from a CSV file (admin_import.js) and exporting to one.
import { get, patch, post } from '../api.js';
import { avatar, field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { departmentSelect, roleSelect } from './admin_fields.js';
import { importPanel } from './admin_import.js';
import { errorBox, errorText, toast } from './errors.js';
import { addResetLink } from './admin_reset.js';
import { openMentorPicker } from './mentor_picker.js';
import { newcomerBadge } from './newcomer_badge.js';

/** Today in the browser's calendar, as the server writes dates (YYYY-MM-DD). */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function accountsSection(shared) {
  const disposers = [];
  const list = h('ul', { class: 'account-list', dataset: { testid: 'accounts-list' } });
  const el = h(
    'section',
    { id: 'admin-accounts', class: 'admin-section', 'aria-labelledby': 'admin-accounts-title' },
    h('h2', { id: 'admin-accounts-title', tabindex: '-1', text: t('admin.accounts') }),
    h('div', { class: 'row' }, h('a', { class: 'btn', href: '/api/users/export', download: '', dataset: { testid: 'export-accounts' } }, t('admin.export'))),
    createForm(),
    importPanel({ onImported: () => load() }),
    list,
  );

  let rowDisposers = []; // the rows' department selects, undone when the rows are drawn anew

  async function load() {
    try {
      const people = await get('/api/users');
      for (const d of rowDisposers.splice(0)) d?.();
      list.replaceChildren(...people.map(row));
    } catch (err) {
      list.replaceChildren(h('li', { role: 'alert', text: errorText(err) }));
    }
  }

  function row(person) {
    const self = person.id === app.me.id;
    const label = (what) => `${what}: ${person.display_name}`;
    const dept = departmentSelect(shared, person.department_id, { 'aria-label': label(t('people.department')), dataset: { testid: 'account-department' } });
    const role = roleSelect(person.role, { 'aria-label': label(t('people.role')), disabled: self, dataset: { testid: 'account-role' } });
    const active = h('input', { type: 'checkbox', checked: person.is_active, disabled: self, 'aria-label': label(t('admin.active')), dataset: { testid: 'account-active' } });
    rowDisposers.push(dept.dispose);
    const save = async (changes, revert) => {
      try {
        const updated = await patch(`/api/users/${person.id}`, changes);
        Object.assign(person, updated);
        li.classList.toggle('inactive', !person.is_active);
        toast(t('admin.saved', { name: person.display_name }));
      } catch (err) {
        revert();
        toast(errorText(err));
      }
    };
    dept.addEventListener('change', () => {
      const before = person.department_id;
      save({ department_id: dept.value ? Number(dept.value) : null }, () => (dept.value = before ?? ''));
    });
    role.addEventListener('change', () => {
      const before = person.role;
      save({ role: role.value }, () => (role.value = before));
    });
    active.addEventListener('change', () => {
      save({ is_active: active.checked }, () => (active.checked = !active.checked));
    });
    // No password yet (imported): its sign-in link is made like a reset link.
    const pending = person.pending
      ? h('span', { class: 'tag', dataset: { testid: 'account-pending' }, text: t('admin.pending') })
      : null;
    // A newcomer now, or one whose start date is still to come: their mentors.
    const mentors =
      person.is_active && (person.newcomer || (person.start_date && person.start_date > today()))
        ? h('button', { type: 'button', class: 'btn', dataset: { testid: 'account-mentors' }, text: t('mentors.button'), onclick: () => openMentorPicker(person) })
        : null;
    const li = h(
      'li',
      { class: `account${person.is_active ? '' : ' inactive'}`, dataset: { testid: 'account', userId: String(person.id) } },
      h(
        'div',
        { class: 'account-who' },
        avatar(person, 'small'),
        h(
          'div',
          {},
          h('strong', {}, person.display_name, newcomerBadge(person)),
          person.reading ? h('small', { class: 'reading', text: person.reading }) : null,
          h('small', { class: 'muted', text: person.email }),
          person.start_date ? h('small', { class: 'muted', text: t('admin.startedOn', { date: person.start_date }) }) : null,
        ),
      ),
      h('div', { class: 'account-controls' }, pending, mentors, dept, role, h('label', { class: 'check' }, active, h('span', { text: t('admin.active') }))),
    );
    addResetLink(li, person);
    return li;
  }

  function createForm() {
    const email = h('input', { type: 'email', required: true, autocomplete: 'off', dataset: { testid: 'new-account-email' } });
    const name = h('input', { type: 'text', required: true, maxlength: '100', dataset: { testid: 'new-account-name' } });
    const reading = h('input', { type: 'text', maxlength: '100', dataset: { testid: 'new-account-reading' } });
    const start = h('input', { type: 'date', dataset: { testid: 'new-account-start' } });
    const password = h('input', { type: 'password', required: true, minlength: '8', autocomplete: 'new-password', dataset: { testid: 'new-account-password' } });
    const dept = departmentSelect(shared, null, { dataset: { testid: 'new-account-department' } });
    const role = roleSelect('member', { dataset: { testid: 'new-account-role' } });
    disposers.push(dept.dispose);
    const error = errorBox('new-account-error');
    const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'new-account-submit' }, text: t('admin.createAccount') });
    return h(
      'details',
      { class: 'card' },
      h('summary', { text: t('admin.createAccount') }),
      h(
        'form',
        {
          class: 'grid-form',
          dataset: { testid: 'new-account-form' },
          onsubmit: async (ev) => {
            ev.preventDefault();
            error.set('');
            if (password.value.length < 8) return error.set(t('invite.shortPassword'));
            submit.disabled = true;
            try {
              const created = await post('/api/users', {
                email: email.value.trim(),
                display_name: name.value.trim(),
                password: password.value,
                department_id: dept.value ? Number(dept.value) : null,
                role: role.value,
                reading: reading.value.trim(),
                start_date: start.value || null,
              });
              toast(t('admin.accountCreated', { name: created.display_name }));
              ev.target.reset();
              load();
            } catch (err) {
              error.set(errorText(err, { conflict: t('invite.emailTaken') }));
            } finally {
              submit.disabled = false;
            }
          },
        },
        field(t('invite.email'), email),
        field(t('invite.name'), name),
        field(t('profile.reading'), reading),
        field(t('invite.password'), password, t('invite.passwordHint')),
        field(t('people.department'), dept),
        field(t('people.role'), role),
        field(t('admin.startDate'), start),
        error,
        h('div', { class: 'row end span' }, submit),
      ),
    );
  }

  load();
  // A merge or a deletion moves people: show where they are now.
  let seen = false;
  disposers.push(shared.on('departments', () => (seen ? load() : (seen = true))));
  return {
    el,
    destroy() {
      for (const d of [...disposers, ...rowDisposers]) d?.();
    },
  };
}
