// The composer: Enter sends, Shift+Enter adds a line (and Enter while an input
// method is composing Japanese only confirms the conversion). The draft is
// kept in localStorage per channel (or per thread) across reloads, until the
// person signs out. Over the length limit (a long paste), it says so and does
// not send (views/limit.js).
// Files: the attach button, a paste of a screenshot, or files dropped on the
// composer's drop target (the channel view or the thread sets one up and
// hands the files to addFiles). Each becomes a tile and uploads at once
// (web/uploads.js); a post may be files alone. Send while files are still
// uploading waits for them, then sends; a file that failed must be retried
// or removed first. Drafts keep the text only: uploads not sent are left to
// the server's sweeper.
// Mentions: `@` opens a list of people (views/mentions.js). Before a body with
// mentions is sent, the composer asks whether everyone mentioned can read the
// channel; if not, it says who cannot and sends only when asked again.
// Words: each text is checked by the server's word check (POST /api/wordcheck,
// the rules the write itself meets) before it is sent: the composer empties at
// once, and a text with a warn-level word comes back into it with "this may
// hurt someone…", Edit and Send anyway (sent with acknowledge_warning); a
// block-level word comes back refused. Writes keep the order they were sent
// in. With files the check comes first (files cannot be put back). The server
// decides either way: if the check cannot be asked, the text is sent and the
// server's answer stands.
// Polls (`polls: true`, a channel's composer): the poll button opens the poll
// editor (views/poll.js); the text is the poll's question, and the poll goes
// with the post (onSend's `poll`).
import { h, uniqueId } from '../dom.js';
import { formatNumber, locale, t } from '../i18n/index.js';
import { icon } from '../icons.js';
import { post } from '../api.js';
import { load, save } from '../storage.js';
import { UploadSet } from '../uploads.js';
import { attachButton, pastedFiles, uploadTiles } from './attachments.js';
import { MAX_BODY, bodyLength, overLimitWarning } from './limit.js';
import { mentionPicker, mentionProblem } from './mentions.js';
import { pollEditor } from './poll.js';

const TYPING_EVERY_MS = 3000;

/**
 * @param opts {draftKey, label, placeholder, onSend(body, files, {acknowledged, poll}), onTyping(), testid,
 *               channel() -> the channel written in (mentions are checked against it),
 *               polls: offer a poll with the post}
 */
export function composer({ draftKey, label, placeholder, onSend, onTyping, testid = 'composer', channel = () => null, polls = false }) {
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
  // Before the composer's keys below: while its list is open, Enter takes a person.
  const picker = mentionPicker(input, { channel });
  const counter = h('span', { class: 'counter', 'aria-live': 'polite' });
  const sendButton = h(
    'button',
    { type: 'submit', class: 'btn primary send', dataset: { testid: `${testid}-send` } },
    icon('send'),
    h('span', { class: 'send-text', text: t('composer.send') }),
  );
  const labelEl = h('label', { for: id, class: 'sr-only', text: label });
  const limit = overLimitWarning(input, `${testid}-too-long`);
  const uploads = new UploadSet();
  const tiles = uploadTiles(uploads, { testid });
  const attach = attachButton({ testid, onFiles: addFiles });
  const poller = polls ? pollEditor({ testid }) : null;
  const pollButton = poller
    ? h(
        'button',
        {
          type: 'button',
          class: 'icon-btn poll-btn',
          'aria-label': t('poll.add'),
          'aria-pressed': 'false',
          title: t('poll.add'),
          dataset: { testid: `${testid}-poll-button` },
          onclick: () => {
            poller.toggle();
            pollButton.setAttribute('aria-pressed', String(poller.open));
            if (!poller.open) input.focus();
          },
        },
        icon('poll'),
      )
    : null;
  // Why files were not taken, or why sending waits: one line under the tiles.
  const note = h('p', { class: 'composer-note', role: 'status', hidden: true, dataset: { testid: `${testid}-note` } });
  const form = h(
    'form',
    { class: 'composer', dataset: { testid }, onsubmit: (ev) => (ev.preventDefault(), send()) },
    tiles.el,
    poller?.el,
    note,
    picker.el,
    pollButton ? h('span', { class: 'composer-tools' }, attach.el, pollButton) : attach.el,
    labelEl,
    input,
    h('div', { class: 'composer-side' }, counter, sendButton),
    limit.el,
    h('p', { class: 'composer-hint', id: `${id}-hint`, text: t('composer.hint') }),
  );
  input.setAttribute('aria-describedby', `${id}-hint`);

  let lastTyping = 0;
  let saveTimer = null;
  let waiting = false; // Send was pressed while files were uploading
  let checking = false; // asking whether the people mentioned can read the channel
  let warnedFor = null; // the body the author was warned about: sent if asked again
  let wordsOkFor = null; // the body the word check passed, or the author sends anyway
  let acknowledged = false; // ...past a warning
  let outgoing = Promise.resolve(); // sends in order, each after its word check

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }

  /** `kind`: what the line is about ('blocked': failed files), so it goes when that is over. */
  function say(text, { alert = false, kind = '' } = {}) {
    note.textContent = text ?? '';
    note.hidden = !text;
    note.classList.toggle('alert', alert);
    note.dataset.kind = kind;
  }

  function refresh() {
    const left = MAX_BODY - bodyLength(input.value.trim());
    counter.textContent = left < 500 ? formatNumber(left) : '';
    counter.classList.toggle('over', left < 0);
    const over = limit.check();
    sendButton.disabled = waiting || checking || (input.value.trim() === '' && uploads.size === 0) || over > 0;
  }

  /** Files from the picker, a paste or a drop: a tile each, uploading at once. */
  function addFiles(files) {
    if (!files.length) return;
    const left = uploads.add(files);
    if (left > 0) say(t('files.tooMany', { max: uploads.max, count: left }), { alert: true });
    else say('');
    refresh();
  }

  async function send() {
    const body = input.value.trim();
    if (waiting || checking || (!body && uploads.size === 0) || limit.check() > 0) return;
    if (uploads.blocked) {
      say(t('files.fixFailed'), { alert: true, kind: 'blocked' });
      return;
    }
    let poll = null;
    if (poller?.open) {
      const taken = poller.take();
      if (!body) taken.problem = t('poll.needQuestion');
      if (taken.problem) {
        say(taken.problem, { alert: true, kind: 'poll' });
        return;
      }
      poll = taken.poll;
    }
    if (body && body !== warnedFor && body.includes('@')) {
      checking = true;
      refresh();
      const problem = await mentionProblem(body, channel()).catch(() => null);
      checking = false;
      refresh();
      if (input.value.trim() !== body) return; // edited meanwhile: sent when asked again
      if (problem) {
        warnMentions(problem, body);
        return;
      }
    }
    // With files or a poll, the word check comes first (neither can be put back
    // in the composer); text alone leaves at once and is checked on its way (below).
    if (body && (uploads.size > 0 || poll) && body !== wordsOkFor) {
      checking = true;
      refresh();
      const found = await checkWords(body);
      checking = false;
      refresh();
      if (input.value.trim() !== body) return; // edited meanwhile: checked when sent again
      if (refused(body, found)) return;
      wordsOkFor = body;
    }
    if (uploads.busy) {
      wait();
      return;
    }
    picker.close();
    warnedFor = null;
    const files = uploads.refs;
    const ack = acknowledged && body === wordsOkFor;
    const checked = body === wordsOkFor;
    wordsOkFor = null;
    acknowledged = false;
    // Writes leave in the order they were sent, each after its check.
    outgoing = outgoing.then(() => deliver(body, files, ack, checked, poll));
    if (poll) {
      poller.reset();
      poller.toggle(false);
      pollButton.setAttribute('aria-pressed', 'false');
    }
    input.value = '';
    save(draftKey, '');
    uploads.clear();
    say('');
    refresh();
    autosize();
    input.focus();
  }

  /** Someone mentioned cannot read the channel (send anyway?), or @channel is not one's to use. */
  function warnMentions(problem, body) {
    if (problem.kind === 'everyone') {
      say(t('mentions.everyoneRefused'), { alert: true, kind: 'mentions' });
      return;
    }
    warnedFor = body;
    const names = new Intl.ListFormat(locale(), { type: 'conjunction' }).format(problem.names);
    const anyway = h('button', { type: 'button', class: 'link-btn', dataset: { testid: `${testid}-send-anyway` }, text: t('mentions.sendAnyway'), onclick: () => send() });
    note.replaceChildren(h('span', { text: t('mentions.cannotRead', { names, count: problem.names.length }) }), ' ', anyway);
    note.dataset.kind = 'mentions';
    note.hidden = false;
    note.classList.add('alert');
  }

  /**
   * Send `body` unless the word check stops it: then it comes back into the
   * composer (before whatever was typed since) with the warning or refusal.
   */
  async function deliver(body, files, ack, checked, poll) {
    if (body && !checked) {
      const found = await checkWords(body);
      if (found?.level === 'block' || found?.level === 'warn') {
        const typed = input.value.trim();
        input.value = typed ? `${body}\n${typed}` : body;
        save(draftKey, input.value);
        refresh();
        autosize();
        refused(input.value.trim(), found);
        return;
      }
    }
    onSend(body, files, poll ? { acknowledged: ack, poll } : { acknowledged: ack });
  }

  /** Says why `body` is not sent, if the check found a word (true then). */
  function refused(body, found) {
    if (found?.level === 'block') {
      say(t('words.blocked'), { alert: true, kind: 'words' });
      return true;
    }
    if (found?.level === 'warn') {
      warnWords(body);
      return true;
    }
    return false;
  }

  /** What the word check says of `body` (null if it cannot be asked now: the server still decides). */
  async function checkWords(body) {
    try {
      return await post('/api/wordcheck', { text: body });
    } catch {
      return null;
    }
  }

  /** A warn-level word: Edit (back to the text) or Send anyway. */
  function warnWords(body) {
    const edit = h('button', { type: 'button', class: 'link-btn', dataset: { testid: `${testid}-edit` }, text: t('words.edit'), onclick: () => (say(''), input.focus()) });
    const anyway = h('button', {
      type: 'button',
      class: 'link-btn',
      dataset: { testid: `${testid}-words-anyway` },
      text: t('words.sendAnyway'),
      onclick: () => {
        wordsOkFor = body;
        acknowledged = true;
        say('');
        send();
      },
    });
    note.replaceChildren(h('span', { text: t('words.warning') }), ' ', edit, ' ', anyway);
    note.dataset.kind = 'words';
    note.hidden = false;
    note.classList.add('alert');
  }

  /** Send once the uploads are done; if one fails, say so and send nothing. */
  async function wait() {
    waiting = true;
    input.readOnly = true;
    form.classList.add('waiting');
    const stop = h('button', { type: 'button', class: 'link-btn', dataset: { testid: `${testid}-dont-send` }, text: t('files.dontSend'), onclick: () => done() });
    note.replaceChildren(h('span', { text: t('files.sendWhenUploaded') }), ' ', stop);
    note.dataset.kind = 'waiting';
    note.hidden = false;
    note.classList.remove('alert');
    refresh();
    let cancelled = false;
    const done = () => {
      cancelled = true;
      waiting = false;
      input.readOnly = false;
      form.classList.remove('waiting');
      say('');
      refresh();
    };
    // Until every upload is done, or one fails (then nothing is sent: say so at once).
    await uploads.until(() => !uploads.busy || uploads.blocked);
    if (cancelled || !waiting) return;
    done();
    if (uploads.blocked) say(t('files.fixFailed'), { alert: true, kind: 'blocked' });
    else send();
  }

  input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.shiftKey || ev.altKey) return;
    if (ev.isComposing || ev.keyCode === 229) return; // confirming an IME conversion
    ev.preventDefault();
    send();
  });
  input.addEventListener('input', () => {
    if (note.dataset.kind === 'mentions' || note.dataset.kind === 'words') say('');
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
  input.addEventListener('paste', (ev) => {
    const files = pastedFiles(ev);
    if (!files.length) return; // text: pasted as usual
    ev.preventDefault();
    addFiles(files);
  });
  const offUploads = uploads.on('change', () => {
    if (!waiting && note.dataset.kind === 'blocked' && !uploads.blocked) say('');
    refresh();
  });
  const flush = () => save(draftKey, input.value);
  window.addEventListener('pagehide', flush);
  refresh();
  requestAnimationFrame(autosize);

  return {
    el: form,
    input,
    addFiles,
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
      offUploads();
      tiles.destroy();
      uploads.destroy();
    },
  };
}
