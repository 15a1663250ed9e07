// Admin: departments (each has its channel): list, rename, create.
import { patch, post } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { refreshChannels } from '../state.js';
import { errorBox, errorText, toast } from './errors.js';

export function departmentsSection(shared) {
  const list = h('ul', { class: 'dept-list', dataset: { testid: 'departments-list' } });
  const name = h('input', { type: 'text', required: true, maxlength: '100', dataset: { testid: 'new-department-name' } });
  const error = errorBox('new-department-error');
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'new-department-submit' }, text: t('admin.addDepartment') });
  const form = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        if (!name.value.trim()) return;
        submit.disabled = true;
        try {
          await post('/api/departments', { name: name.value.trim() });
          name.value = '';
          await shared.reloadDepartments();
          refreshChannels();
        } catch (err) {
          error.set(errorText(err, { conflict: t('admin.departmentTaken') }));
        } finally {
          submit.disabled = false;
        }
      },
    },
    field(t('admin.departmentName'), name),
    submit,
  );

  function render(departments) {
    list.replaceChildren(
      ...(departments.length
        ? departments.map((d) => {
            const input = h('input', { type: 'text', value: d.name, maxlength: '100', 'aria-label': t('admin.renameLabel', { name: d.name }), dataset: { testid: 'department-name' } });
            const save = h('button', {
              class: 'btn small',
              dataset: { testid: 'department-rename' },
              text: t('admin.rename'),
              onclick: async () => {
                const next = input.value.trim();
                if (!next || next === d.name) return;
                try {
                  await patch(`/api/departments/${d.id}`, { name: next });
                  toast(t('admin.renamed', { name: next }));
                  await shared.reloadDepartments();
                  refreshChannels();
                } catch (err) {
                  toast(errorText(err, { conflict: t('admin.departmentTaken') }));
                }
              },
            });
            input.addEventListener('keydown', (ev) => {
              if (ev.key === 'Enter') save.click();
            });
            return h('li', { class: 'dept-row', dataset: { testid: 'department', departmentId: String(d.id) } }, input, save);
          })
        : [h('li', { class: 'muted', text: t('admin.noDepartments') })]),
    );
  }

  const off = shared.on('departments', render);
  const el = h(
    'section',
    { id: 'admin-departments', class: 'admin-section', 'aria-labelledby': 'admin-departments-title' },
    h('h2', { id: 'admin-departments-title', tabindex: '-1', text: t('admin.departments') }),
    h('p', { class: 'muted', text: t('admin.departmentsLead') }),
    form,
    error,
    list,
  );
  return { el, destroy: off };
}
