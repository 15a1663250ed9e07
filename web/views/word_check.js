// The word check's refusals in a form that is not the composer (an event's,
// a survey's): the server answers 422 `word_blocked` (the company does not
// allow the wording: rewrite it) or `word_warning` (it may hurt someone or
// reveal something: Edit goes back to the field that holds it, Save anyway
// sends the form again with `acknowledge_warning`, and the server records
// that it was sent anyway). `details.field` names the field (`title`,
// `questions[0].options[1]`, …): the form says which control that is.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

/**
 * Show `err` in `box` (an errorBox) if it is the word check's, and answer true;
 * false for any other error (the caller says it its own way).
 * @param opts {testid, control(field) -> the input holding it (or null), anyway() -> send again acknowledged}
 */
export function showWordCheck(box, err, { testid, control, anyway }) {
  if (err?.code !== 'word_blocked' && err?.code !== 'word_warning') return false;
  const field = control(err.details?.field ?? '') ?? null;
  if (err.code === 'word_blocked') {
    box.set(t('words.blocked'));
    field?.focus();
    return true;
  }
  const edit = h('button', {
    type: 'button',
    class: 'link-btn',
    dataset: { testid: `${testid}-words-edit` },
    text: t('words.edit'),
    onclick: () => {
      box.set('');
      field?.focus();
    },
  });
  const send = h('button', {
    type: 'button',
    class: 'link-btn',
    dataset: { testid: `${testid}-words-anyway` },
    text: t('words.saveAnyway'),
    onclick: () => {
      box.set('');
      anyway();
    },
  });
  box.replaceChildren(h('span', { text: t('words.warning') }), ' ', edit, ' ', send);
  box.hidden = false;
  edit.focus();
  return true;
}
