// A newcomer's checklist, drawn for the newcomer (who ticks the items that
// are theirs to tick) or for their mentor (read-only): each item with its
// state, and the progress ("2 / 5"). Items of the kinds the server ticks by
// itself say so. Replaced whole when a `checklist.updated` arrives.
import { put } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorText, toast } from './errors.js';

export function progressText(checklist) {
  return t('checklist.progress', { done: checklist.done, total: checklist.total });
}

export function progressBar(checklist) {
  const bar = h('progress', { max: String(Math.max(checklist.total, 1)), value: String(checklist.done), dataset: { testid: 'checklist-bar' } });
  bar.setAttribute('aria-label', progressText(checklist));
  return bar;
}

/** The list; `editable`: the newcomer's own (manual items are checkboxes). */
export function checklistView(checklist, { editable = false, onChange = null } = {}) {
  if (!checklist.items.length) return h('p', { class: 'muted', dataset: { testid: 'checklist-empty' }, text: t('checklist.empty') });
  return h(
    'ul',
    { class: 'checklist', dataset: { testid: 'checklist' } },
    checklist.items.map((item) => {
      const manual = item.kind === 'manual';
      const box = h('input', {
        type: 'checkbox',
        checked: item.done,
        disabled: !(editable && manual),
        dataset: { testid: 'checklist-box' },
      });
      if (editable && manual) {
        box.addEventListener('change', async () => {
          box.disabled = true;
          try {
            const fresh = await put(`/api/me/checklist/${item.id}`, { done: box.checked });
            onChange?.(fresh);
          } catch (err) {
            box.checked = !box.checked;
            toast(errorText(err));
          } finally {
            box.disabled = false;
          }
        });
      }
      const hint = item.kind === 'join_groups' ? t('checklist.kind.join_groups', { count: item.count }) : t(`checklist.kind.${item.kind}`);
      return h(
        'li',
        { class: `checklist-item${item.done ? ' done' : ''}`, dataset: { testid: 'checklist-item', itemId: String(item.id), kind: item.kind, done: String(item.done) } },
        h('label', { class: 'check' }, box, h('span', { class: 'checklist-title', text: item.title })),
        h('small', { class: 'muted', text: item.done ? t('checklist.done') : hint }),
      );
    }),
  );
}
