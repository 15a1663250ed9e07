// Turning API and socket errors into messages from the catalogue (the
// server's own messages are English and for developers).
import { h } from '../dom.js';
import { formatFull, t } from '../i18n/index.js';

const KNOWN = new Set([
  'network', 'not_found', 'forbidden', 'conflict', 'invalid', 'rate_limited', 'too_large',
  'unauthorized', 'timeout', 'disconnected', 'internal', 'weak_password', 'file_unavailable',
  'storage_unavailable', 'search_timeout', 'channel_mention_forbidden', 'mentor_invalid',
  'not_a_newcomer', 'terms_not_accepted', 'word_warning', 'word_blocked',
  'muted', 'suspended', 'self_report', 'already_decided', 'already_appealed', 'comments_closed',
]);

// What the server says about a refused name (422 `invalid`, `fields[].type`).
const FIELD_TYPES = {
  name_invisible: 'name.invisible',
  name_blank: 'name.blank',
  reading_not_kana: 'name.readingKana',
  string_too_long: 'name.tooLong',
  word_no_letters: 'words.noLetters',
};

/** The message for a refused name or reading, or null when the error is another. */
export function fieldError(err) {
  const found = (err?.fields ?? []).find((f) => FIELD_TYPES[f.type]);
  return found ? t(FIELD_TYPES[found.type]) : null;
}

export function errorText(err, overrides = {}) {
  const code = err?.code ?? 'internal';
  if (code === 'invalid') {
    const named = fieldError(err);
    if (named) return named; // more precise than any form's general "check what you entered"
  }
  if (overrides[code]) return overrides[code];
  // A mute or a suspension says until when (the error's `until`).
  const until = err?.details?.until;
  if ((code === 'muted' || code === 'suspended') && until) return t(`error.${code}Until`, { until: formatFull(until) });
  return t(KNOWN.has(code) ? `error.${code}` : 'error.internal');
}

/** A live region for a form's error message; set(text) shows it, set('') hides it. */
export function errorBox(testid = 'form-error') {
  const box = h('p', { class: 'form-error', role: 'alert', hidden: true, dataset: { testid } });
  box.set = (text) => {
    box.textContent = text || '';
    box.hidden = !text;
  };
  return box;
}

let toastTimer = null;

/** A short message at the bottom of the screen (errors of background actions);
 * it goes after 5 s, or at the next navigation (hideToast). */
export function toast(text) {
  let el = document.getElementById('toast');
  if (!el) {
    el = h('div', { id: 'toast', class: 'toast', role: 'status', dataset: { testid: 'toast' } });
    document.body.append(el);
  }
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 5000);
}

/** Take the toast away (another page is shown: what it said was about the last one). */
export function hideToast() {
  clearTimeout(toastTimer);
  const el = document.getElementById('toast');
  if (el) el.hidden = true;
}
