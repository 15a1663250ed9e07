// A post's poll (channels/polls.py; docs/protocol.md, "Polls"): its options as
// bars with counts and percentages that move as poll.voted events arrive (the
// store redraws them in place, keeping focus); one's own choices marked.
// Pressing an option votes for it (single choice) or adds it to one's choices
// or takes it out (several); "Withdraw my vote" takes the vote back; its
// author or a moderator may close it early. Closed (early, or its closing time
// passed) it shows final results and takes no votes. Every poll says what is
// recorded: in a named one, who chose what, for everyone in the channel; in an
// anonymous one, nobody's choice is shown, though the server keeps it with
// the person so they can change it.
// Also: the results alone (home feed, search: no buttons, inside a link) and
// the composer's poll editor.
import { api, newCid } from '../api.js';
import { h, uniqueId } from '../dom.js';
import { formatFull, formatNumber, t } from '../i18n/index.js';
import { errorText, toast } from './errors.js';

export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 10;
export const MAX_OPTION_CHARS = 200;

/** Closed early, or its closing time has passed (on this clock). */
export function isClosed(poll, now = Date.now()) {
  return !!poll.closed || (!!poll.closes_at && Date.parse(poll.closes_at) <= now);
}

export function percent(votes, voters) {
  return voters ? Math.round((votes * 100) / voters) : 0;
}

function statusLine(poll) {
  const parts = [t('poll.voters', { count: poll.voters })];
  if (isClosed(poll)) parts.push(t('poll.closed'));
  else if (poll.closes_at) parts.push(t('poll.closes', { when: formatFull(poll.closes_at) }));
  parts.push(poll.multiple ? t('poll.multiple') : t('poll.single'));
  return parts.join(' · ');
}

/** One option's bar (a span: the results alone, or inside a button). */
function bar(option, poll) {
  const pct = percent(option.votes, poll.voters);
  return [
    h('span', { class: 'poll-fill', style: `width: ${pct}%` }),
    h('span', { class: 'poll-text', text: option.text }),
    h('span', {
      class: 'poll-count',
      dataset: { testid: 'poll-count' },
      text: t('poll.count', { count: option.votes, votes: formatNumber(option.votes), percent: pct }),
    }),
  ];
}

/** The results alone, read-only (home feed, search results). */
export function pollResults(poll) {
  return h(
    'span',
    { class: 'poll poll-results', dataset: { testid: 'poll' } },
    poll.options.map((o) =>
      h('span', { class: 'poll-option static', dataset: { testid: 'poll-option', votes: String(o.votes) } }, bar(o, poll)),
    ),
    h('span', { class: 'poll-status muted small', text: statusLine(poll) }),
  );
}

/**
 * The poll of a post on screen, voting included.
 * @param store  the channel's ChannelStore (its posts take the answers)
 * @param postId the post's id
 * @param rights () => {vote, close}: what one may do now
 */
export class PollBox {
  constructor(store, postId, rights) {
    this.store = store;
    this.postId = postId;
    this.rights = rights;
    this.busy = false;
    this.el = h('div', { class: 'poll', role: 'group', dataset: { testid: 'poll' } });
    this.optionsEl = h('div', { class: 'poll-options' });
    this.statusEl = h('p', { class: 'poll-status muted small', dataset: { testid: 'poll-status' }, 'aria-live': 'polite' });
    this.noteEl = h('p', { class: 'poll-note muted small', dataset: { testid: 'poll-note' } });
    this.actionsEl = h('div', { class: 'poll-actions' });
    this.el.append(this.optionsEl, this.statusEl, this.actionsEl, this.noteEl);
    this.buttons = new Map(); // option id -> {button, voters}
    this.update();
    // A closing time on this clock: the buttons go when it passes.
    const poll = this.poll;
    const left = poll?.closes_at ? Date.parse(poll.closes_at) - Date.now() : -1;
    if (left > 0 && left < 2 ** 31 - 1) this.timer = setTimeout(() => this.update(), left + 50);
  }

  get poll() {
    return this.store.posts.get(this.postId)?.poll ?? null;
  }

  destroy() {
    clearTimeout(this.timer);
  }

  /** Redraw from the store: counts, bars, one's choices, in place. */
  update() {
    const poll = this.poll;
    if (!poll) return;
    const closed = isClosed(poll);
    const { vote, close } = this.rights();
    const canVote = vote && !closed;
    const mine = new Set(poll.mine ?? []);
    this.el.classList.toggle('closed', closed);
    this.el.setAttribute('aria-label', t('poll.label'));
    for (const option of poll.options) {
      let row = this.buttons.get(option.id);
      if (!row) {
        const button = h('button', { type: 'button', class: 'poll-option', dataset: { testid: 'poll-option', optionId: String(option.id) }, onclick: () => this.choose(option.id) });
        const voters = h('p', { class: 'poll-voters muted small', dataset: { testid: 'poll-voters' } });
        row = { button, voters };
        this.buttons.set(option.id, row);
        this.optionsEl.append(button, voters);
      }
      const pct = percent(option.votes, poll.voters);
      row.button.replaceChildren(...bar(option, poll));
      row.button.dataset.votes = String(option.votes);
      row.button.dataset.percent = String(pct);
      row.button.setAttribute('aria-pressed', String(mine.has(option.id)));
      row.button.classList.toggle('mine', mine.has(option.id));
      row.button.disabled = !canVote || this.busy;
      const names = option.voters?.map((v) => v.display_name) ?? [];
      row.voters.textContent = names.length ? names.join(', ') : '';
      row.voters.hidden = !names.length;
    }
    this.statusEl.textContent = statusLine(poll);
    this.noteEl.textContent = poll.anonymous ? t('poll.anonymousNote') : t('poll.namedNote');
    const actions = [];
    if (canVote && mine.size) {
      actions.push(h('button', { type: 'button', class: 'link-btn', dataset: { testid: 'poll-withdraw' }, text: t('poll.withdraw'), disabled: this.busy, onclick: () => this.send('DELETE') }));
    }
    if (close && !closed) {
      actions.push(h('button', { type: 'button', class: 'link-btn', dataset: { testid: 'poll-close' }, text: t('poll.close'), disabled: this.busy, onclick: () => this.closeNow() }));
    }
    this.actionsEl.replaceChildren(...actions);
    this.actionsEl.hidden = !actions.length;
  }

  choose(optionId) {
    const poll = this.poll;
    if (!poll || this.busy) return;
    const mine = new Set(poll.mine ?? []);
    if (!poll.multiple) {
      if (mine.has(optionId) && mine.size === 1) return;
      this.send('PUT', [optionId]);
      return;
    }
    if (mine.has(optionId)) mine.delete(optionId);
    else mine.add(optionId);
    const order = poll.options.map((o) => o.id).filter((id) => mine.has(id));
    this.send(order.length ? 'PUT' : 'DELETE', order);
  }

  async send(method, options) {
    const cid = newCid();
    const path = `/api/posts/${this.postId}/vote`;
    await this.act(() => (method === 'PUT' ? api('PUT', path, { options, cid }) : api('DELETE', `${path}?cid=${encodeURIComponent(cid)}`)));
  }

  async closeNow() {
    if (!window.confirm(t('poll.closeConfirm'))) return;
    await this.act(() => api('POST', `/api/posts/${this.postId}/poll/close`, { cid: newCid() }));
  }

  async act(call) {
    this.busy = true;
    this.update();
    try {
      const answer = await call();
      if (answer?.poll) this.store.posts.poll(this.postId, answer.poll);
    } catch (err) {
      toast(errorText(err));
    } finally {
      this.busy = false;
      this.update();
    }
  }
}

/**
 * The composer's poll editor: options (2–10, added and removed), one choice
 * or several, named or anonymous, an optional closing time.
 * take(): the poll to send ({options, multiple, anonymous, closes_at}), or a
 * {problem} message; reset() empties it.
 */
export function pollEditor({ testid = 'composer' } = {}) {
  const list = h('ol', { class: 'poll-edit-options' });
  const add = h('button', { type: 'button', class: 'link-btn', dataset: { testid: `${testid}-poll-add` }, text: t('poll.addOption'), onclick: () => addOption('', true) });
  const multiple = h('input', { type: 'checkbox', dataset: { testid: `${testid}-poll-multiple` } });
  const anonymous = h('input', { type: 'checkbox', dataset: { testid: `${testid}-poll-anonymous` } });
  const closes = h('input', { type: 'datetime-local', id: uniqueId('closes'), dataset: { testid: `${testid}-poll-closes` } });
  const note = h('p', { class: 'muted small', text: t('poll.namedNote') });
  anonymous.addEventListener('change', () => (note.textContent = anonymous.checked ? t('poll.anonymousNote') : t('poll.namedNote')));
  const el = h(
    'fieldset',
    { class: 'poll-edit', hidden: true, dataset: { testid: `${testid}-poll` } },
    h('legend', { text: t('poll.editorTitle') }),
    h('p', { class: 'muted small', text: t('poll.questionIsBody') }),
    list,
    add,
    h('label', { class: 'check' }, multiple, ' ', t('poll.allowMultiple')),
    h('label', { class: 'check' }, anonymous, ' ', t('poll.anonymous')),
    h('label', { for: closes.id, text: t('poll.closesAt') }),
    closes,
    note,
  );

  function inputs() {
    return [...list.querySelectorAll('input')];
  }

  function addOption(value = '', focus = false) {
    if (inputs().length >= MAX_OPTIONS) return;
    const n = inputs().length + 1;
    const input = h('input', { type: 'text', maxlength: String(MAX_OPTION_CHARS), value, 'aria-label': t('poll.option', { n }), placeholder: t('poll.option', { n }), dataset: { testid: `${testid}-poll-option` } });
    const remove = h('button', {
      type: 'button',
      class: 'icon-btn',
      'aria-label': t('poll.removeOption', { n }),
      text: '×',
      onclick: () => {
        if (inputs().length > MIN_OPTIONS) item.remove();
        refresh();
      },
    });
    const item = h('li', {}, input, remove);
    list.append(item);
    refresh();
    if (focus) input.focus();
  }

  function refresh() {
    add.hidden = inputs().length >= MAX_OPTIONS;
  }

  function reset() {
    list.replaceChildren();
    for (let i = 0; i < MIN_OPTIONS; i++) addOption();
    multiple.checked = false;
    anonymous.checked = false;
    closes.value = '';
    note.textContent = t('poll.namedNote');
  }
  reset();

  return {
    el,
    get open() {
      return !el.hidden;
    },
    toggle(open = el.hidden) {
      el.hidden = !open;
      if (open) inputs()[0]?.focus();
    },
    reset,
    take() {
      const options = inputs().map((i) => i.value.trim()).filter(Boolean);
      if (options.length < MIN_OPTIONS) return { problem: t('poll.tooFew', { min: MIN_OPTIONS }) };
      const keys = options.map((o) => o.normalize('NFKC').toLowerCase());
      if (new Set(keys).size !== keys.length) return { problem: t('poll.duplicate') };
      let closesAt = null;
      if (closes.value) {
        const when = new Date(closes.value); // the person's own time zone
        if (Number.isNaN(when.getTime()) || when.getTime() <= Date.now()) return { problem: t('poll.closesPast') };
        closesAt = when.toISOString();
      }
      return { poll: { options, multiple: multiple.checked, anonymous: anonymous.checked, ...(closesAt ? { closes_at: closesAt } : {}) } };
    },
  };
}
