// Form controls shared by the admin sections.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

/** <select> of departments (with "none"), kept current as departments change. */
export function departmentSelect(shared, selected, attrs = {}) {
  const select = h('select', attrs);
  const fill = () => {
    const value = select.value || (selected == null ? '' : String(selected));
    select.replaceChildren(
      h('option', { value: '', text: t('people.noDepartment') }),
      ...shared.departments.map((d) => h('option', { value: String(d.id), text: d.name })),
    );
    select.value = value;
  };
  fill();
  const off = shared.on('departments', fill);
  select.dispose = off;
  return select;
}

export function roleSelect(selected, attrs = {}) {
  const select = h(
    'select',
    attrs,
    ['member', 'moderator', 'admin'].map((r) => h('option', { value: r, text: t(`role.${r}`) })),
  );
  select.value = selected ?? 'member';
  return select;
}
