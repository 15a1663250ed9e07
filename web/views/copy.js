// A secret or a link to hand on: shown in a read-only field, selected, with a
// Copy button (the clipboard API, or the selection where it is not allowed:
// plain http on another host than localhost).
import { h, uniqueId } from '../dom.js';
import { t } from '../i18n/index.js';
import { toast } from './errors.js';

/**
 * @param value  what to copy
 * @param opts   {label, hint, testid, copied: toast text}
 * @returns {el, focus()}
 */
export function copyBox(value, { label, hint, testid, copied = t('common.copied') }) {
  const id = uniqueId('copy');
  const hintId = hint ? `${id}-hint` : null;
  const output = h('input', {
    type: 'text',
    id,
    readonly: true,
    value,
    spellcheck: 'false',
    'aria-describedby': hintId,
    dataset: { testid },
  });
  const copy = h('button', {
    type: 'button',
    class: 'btn',
    dataset: { testid: `${testid}-copy` },
    text: t('common.copy'),
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(value);
      } catch {
        output.select();
        document.execCommand('copy');
      }
      toast(copied);
    },
  });
  const el = h(
    'div',
    { class: 'invite-result' },
    h('label', { for: id, text: label }),
    h('div', { class: 'copy-row' }, output, copy),
    hint ? h('small', { id: hintId, class: 'hint', text: hint }) : null,
  );
  return {
    el,
    focus() {
      output.focus();
      output.select();
    },
  };
}
