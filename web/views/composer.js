// The composer: Enter sends, Shift+Enter adds a line (and Enter while an input
// method is composing Japanese only confirms the conversion). The draft is
// kept in localStorage per channel (or per thread) across reloads, until the
// person signs out. Over the length limit (a long paste), it says so and does
// not send (views/limit.js).
import { h, uniqueId } from '../dom.js';
import { formatNumber, t } from '../i18n/index.js';
import { icon } from '../icons.js';
import { load, save } from '../storage.js';
import { MAX_BODY, bodyLength, overLimitWarning } from './limit.js';

const TYPING_EVERY_MS = 3000;

/**
 * @param opts {draftKey, label, placeholder, onSend(body), onTyping(), testid}
 */
export function composer({ draftKey, label, placeholder, onSend, onTyping, testid = 'composer' }) {
  const id = uniqueId('compose');
  const input = h('textarea', {
    id,
    class: 'composer-input',
    rows: '1',
    placeholder,
    enterkeyhint: 'send',
    dataset: { testid: `${testid}-input` },
  });
  input.value = load(draftKey, '') || '';
  const counter = h('span', { class: 'counter', 'aria-live': 'polite' });
  const sendButton = h(
    'button',
    { type: 'submit', class: 'btn primary send', dataset: { testid: `${testid}-send` } },
    icon('send'),
    h('span', { class: 'send-text', text: t('composer.send') }),
  );
  const labelEl = h('label', { for: id, class: 'sr-only', text: label });
  const limit = overLimitWarning(input, `${testid}-too-long`);
  const form = h(
    'form',
    { class: 'composer', dataset: { testid }, onsubmit: (ev) => (ev.preventDefault(), send()) },
    labelEl,
    input,
    h('div', { class: 'composer-side' }, counter, sendButton),
    limit.el,
    h('p', { class: 'composer-hint', id: `${id}-hint`, text: t('composer.hint') }),
  );
  input.setAttribute('aria-describedby', `${id}-hint`);

  let lastTyping = 0;
  let saveTimer = null;

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }

  function refresh() {
    const left = MAX_BODY - bodyLength(input.value.trim());
    counter.textContent = left < 500 ? formatNumber(left) : '';
    counter.classList.toggle('over', left < 0);
    const over = limit.check();
    sendButton.disabled = input.value.trim() === '' || over > 0;
  }

  function send() {
    const body = input.value.trim();
    if (!body || limit.check() > 0) return;
    onSend(body);
    input.value = '';
    save(draftKey, '');
    refresh();
    autosize();
    input.focus();
  }

  input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.shiftKey || ev.altKey) return;
    if (ev.isComposing || ev.keyCode === 229) return; // confirming an IME conversion
    ev.preventDefault();
    send();
  });
  input.addEventListener('input', () => {
    refresh();
    autosize();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => save(draftKey, input.value), 250);
    const now = Date.now();
    if (onTyping && input.value && now - lastTyping > TYPING_EVERY_MS) {
      lastTyping = now;
      onTyping();
    }
  });
  const flush = () => save(draftKey, input.value);
  window.addEventListener('pagehide', flush);
  refresh();
  requestAnimationFrame(autosize);

  return {
    el: form,
    input,
    focus: () => input.focus(),
    /** New label and placeholder (the channel was renamed); what is typed stays. */
    relabel(nextLabel, nextPlaceholder) {
      labelEl.textContent = nextLabel;
      input.placeholder = nextPlaceholder;
    },
    destroy() {
      clearTimeout(saveTimer);
      window.removeEventListener('pagehide', flush);
      flush();
    },
  };
}
