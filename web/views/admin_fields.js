// Form controls shared by the admin sections.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { toast } from './errors.js';

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

/** A read-only field holding a link, and a button copying it: [input, button] in a row. */
export function copyRow(url, id) {
  const output = h('input', { type: 'text', id, readonly: true, value: url, dataset: { testid: 'link-url' } });
  const copy = h('button', {
    type: 'button',
    class: 'btn',
    text: t('admin.copy'),
    onclick: () => copyText(url, output),
  });
  return [h('div', { class: 'copy-row' }, output, copy)];
}

/** Put text on the clipboard (or select it where the clipboard is not allowed). */
export async function copyText(text, fallback) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    fallback?.select();
    document.execCommand('copy');
  }
  toast(t('admin.copied'));
}
