// Reporting a post, a comment or a person to the moderators: a reason (the
// five the server knows) and a note. The person reported never learns who
// reported; the reporter is told the outcome (a notification, and Settings →
// My reports).
import { post } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText, toast } from './errors.js';

export const REASONS = ['harassment', 'discrimination', 'leak', 'spam', 'other'];

/**
 * A small form; `target` is {post_id} or {user_id}. `onDone()` after it was
 * sent or cancelled. Returns {el, focus()}.
 */
export function reportForm(target, { onDone }) {
  const reason = h(
    'select',
    { dataset: { testid: 'report-reason' }, required: true },
    REASONS.map((r) => h('option', { value: r, text: t(`report.reason.${r}`) })),
  );
  const note = h('textarea', { rows: '2', maxlength: '1000', dataset: { testid: 'report-note' }, placeholder: t('report.notePlaceholder') });
  const error = errorBox('report-error');
  const send = h('button', { type: 'submit', class: 'btn danger small', dataset: { testid: 'report-send' }, text: t('report.send') });
  const el = h(
    'form',
    {
      class: 'report-form stack',
      dataset: { testid: 'report-form' },
      onsubmit: async (ev) => {
        ev.preventDefault();
        send.disabled = true;
        error.set('');
        try {
          await post('/api/reports', { ...target, reason: reason.value, note: note.value.trim() });
          toast(t('report.sent'));
          onDone();
        } catch (err) {
          send.disabled = false;
          error.set(errorText(err, { conflict: t('report.already') }));
        }
      },
    },
    h('p', { class: 'small muted', text: t('report.lead') }),
    field(t('report.reason'), reason),
    field(t('report.note'), note),
    error,
    h('div', { class: 'row gap' }, send, h('button', { type: 'button', class: 'btn small', onclick: onDone, text: t('common.cancel') })),
  );
  return { el, focus: () => reason.focus() };
}
