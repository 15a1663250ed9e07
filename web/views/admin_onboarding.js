// Admin: newcomers. The newcomer period (days after a start date), the
// welcome post's template (placeholders {name}, {department}, {mentors},
// {start_date}; a default in Japanese and English), and the checklists, for
// everyone or per department: items of four kinds (join_groups, introduce,
// ask_question tick themselves; manual ones the newcomer ticks).
import { del, get, patch, post } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { departmentSelect } from './admin_fields.js';
import { errorBox, errorText, toast } from './errors.js';

const KINDS = ['join_groups', 'introduce', 'ask_question', 'manual'];

export function onboardingSection(shared) {
  const disposers = [];
  const days = h('input', { type: 'number', min: '1', max: '730', required: true, dataset: { testid: 'newcomer-days' } });
  const template = h('textarea', { rows: '5', maxlength: '2000', required: true, dataset: { testid: 'welcome-template' } });
  const settingsError = errorBox('onboarding-settings-error');
  let defaults = '';
  // The default is Japanese, a blank line, then English: either half alone, or both.
  const halves = () => defaults.split('\n\n');
  const settingsForm = h(
    'form',
    {
      class: 'grid-form card',
      dataset: { testid: 'onboarding-settings' },
      onsubmit: async (ev) => {
        ev.preventDefault();
        settingsError.set('');
        try {
          await patch('/api/onboarding/settings', { newcomer_days: Number(days.value), welcome_template: template.value });
          toast(t('onboarding.saved'));
        } catch (err) {
          settingsError.set(errorText(err));
        }
      },
    },
    field(t('onboarding.days'), days, t('onboarding.daysHint')),
    h(
      'div',
      { class: 'span' },
      field(t('onboarding.template'), template, t('onboarding.templateHint')),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', class: 'btn', text: t('onboarding.defaultJa'), onclick: () => (template.value = halves()[0] ?? defaults) }),
        h('button', { type: 'button', class: 'btn', text: t('onboarding.defaultEn'), onclick: () => (template.value = halves()[1] ?? defaults) }),
        h('button', { type: 'button', class: 'btn', text: t('onboarding.defaultBoth'), onclick: () => (template.value = defaults) }),
      ),
    ),
    settingsError,
    h('div', { class: 'row end span' }, h('button', { type: 'submit', class: 'btn primary', text: t('common.save') })),
  );

  const list = h('ul', { class: 'card-list checklist-admin', dataset: { testid: 'checklist-items' } });
  const dept = departmentSelect(shared, null, { dataset: { testid: 'item-department' } });
  disposers.push(dept.dispose);
  dept.firstChild.textContent = t('onboarding.everyone');
  disposers.push(shared.on('departments', () => (dept.firstChild.textContent = t('onboarding.everyone'))));
  const kind = h('select', { dataset: { testid: 'item-kind' } }, KINDS.map((k) => h('option', { value: k, text: t(`onboarding.kind.${k}`) })));
  const title = h('input', { type: 'text', required: true, maxlength: '200', dataset: { testid: 'item-title' } });
  const count = h('input', { type: 'number', min: '1', max: '20', value: '2', dataset: { testid: 'item-count' } });
  const countField = field(t('onboarding.count'), count);
  const showCount = () => (countField.hidden = kind.value !== 'join_groups');
  kind.addEventListener('change', showCount);
  showCount();
  const itemError = errorBox('item-error');
  const itemForm = h(
    'form',
    {
      class: 'grid-form card',
      dataset: { testid: 'item-form' },
      onsubmit: async (ev) => {
        ev.preventDefault();
        itemError.set('');
        try {
          await post('/api/onboarding/checklist', {
            department_id: dept.value ? Number(dept.value) : null,
            kind: kind.value,
            title: title.value.trim(),
            count: kind.value === 'join_groups' ? Number(count.value) : 1,
          });
          title.value = '';
          loadItems();
        } catch (err) {
          itemError.set(errorText(err));
        }
      },
    },
    field(t('onboarding.for'), dept),
    field(t('onboarding.kind'), kind),
    field(t('onboarding.itemTitle'), title),
    countField,
    itemError,
    h('div', { class: 'row end span' }, h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'item-add' }, text: t('onboarding.add') })),
  );

  const el = h(
    'section',
    { id: 'admin-onboarding', class: 'admin-section', 'aria-labelledby': 'admin-onboarding-title' },
    h('h2', { id: 'admin-onboarding-title', tabindex: '-1', text: t('admin.onboarding') }),
    h('p', { class: 'muted', text: t('onboarding.lead') }),
    settingsForm,
    h('h3', { text: t('onboarding.checklist') }),
    itemForm,
    list,
  );

  function deptName(id) {
    return id == null ? t('onboarding.everyone') : shared.departments.find((d) => d.id === id)?.name ?? '?';
  }

  async function loadItems() {
    try {
      const items = await get('/api/onboarding/checklist');
      list.replaceChildren(
        ...items.map((item) =>
          h(
            'li',
            { class: 'card row checklist-admin-item', dataset: { testid: 'checklist-admin-item', itemId: String(item.id) } },
            h(
              'span',
              { class: 'grow' },
              h('strong', { text: item.title }),
              ' ',
              h('small', { class: 'muted', text: `${deptName(item.department_id)} · ${t(`onboarding.kind.${item.kind}`)}${item.kind === 'join_groups' ? ` (${item.count})` : ''}` }),
            ),
            h('button', {
              type: 'button',
              class: 'btn ghost',
              text: t('onboarding.remove'),
              onclick: async () => {
                try {
                  await del(`/api/onboarding/checklist/${item.id}`);
                  loadItems();
                } catch (err) {
                  toast(errorText(err));
                }
              },
            }),
          ),
        ),
      );
    } catch (err) {
      list.replaceChildren(h('li', { role: 'alert', text: errorText(err) }));
    }
  }

  get('/api/onboarding/settings')
    .then((s) => {
      days.value = String(s.newcomer_days);
      template.value = s.welcome_template;
      defaults = s.default_template;
    })
    .catch((err) => settingsError.set(errorText(err)));
  loadItems();
  disposers.push(shared.on('departments', () => loadItems()));
  return {
    el,
    destroy() {
      for (const d of disposers) d?.();
    },
  };
}
