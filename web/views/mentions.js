// Mentions in a composer (docs/protocol.md, "Mentions and notifications"):
//
// - mentionPicker: typing `@` opens a list of people (name, department,
//   presence), matched by the server's directory on any part of the name, its
//   kana reading or Latin spelling, as typed; ↑/↓ move, Enter or Tab take one,
//   Escape closes. While an input method is composing (Japanese), keys are
//   the IME's: nothing is taken or sent, and the list follows what is typed
//   once it is confirmed. A choice is written as `@[name](id)`, the syntax the
//   server reads (channels/mentions.py). `@channel` is offered where the
//   channel allows the person to use it.
// - mentionProblem: before sending, whether anyone mentioned cannot read the
//   channel (they would be notified of nothing), or `@channel` is used where
//   the person may not: the composer says so and lets them send anyway or not.
import { get } from '../api.js';
import { avatar, h, uniqueId } from '../dom.js';
import { t } from '../i18n/index.js';
import { app, notePresence } from '../state.js';
import { statusDot } from './profile.js';

const SHOWN = 8;
const ASK_AFTER_MS = 120;
// `@` at the start or after something that is not an ASCII letter, digit or
// `_` (as the server reads it), then what is typed so far: up to 30
// characters, no space, `@`, brackets or parentheses.
const TYPED = /(?:^|[^0-9A-Za-z_])@([^\s@[\]()]{0,30})$/u;
const WRITTEN = /(?<![0-9A-Za-z_])@\[([^[\]\n]{1,100})\]\(([1-9][0-9]{0,9})\)/gu;
const EVERYONE = /(?<![0-9A-Za-z_])@channel(?![0-9A-Za-z_])/u;

/** The people a body mentions: [{id, name}], each once. */
export function mentionedPeople(body) {
  const seen = new Map();
  for (const m of body.matchAll(WRITTEN)) if (!seen.has(m[2])) seen.set(m[2], { id: Number(m[2]), name: m[1] });
  return [...seen.values()];
}

/**
 * What the author should know before this body is sent in `channel`, or null:
 * {kind: 'readers', names} (they cannot read the channel: nobody is notified)
 * or {kind: 'everyone'} (`@channel` is not theirs to use here).
 */
export async function mentionProblem(body, channel) {
  if (!channel) return null;
  if (EVERYONE.test(body) && !channel.can_mention_channel) return { kind: 'everyone' };
  const people = mentionedPeople(body).slice(0, 100);
  if (!people.length) return null;
  const { readers } = await get(`/api/channels/${channel.id}/readers?ids=${people.map((p) => p.id).join(',')}`);
  const can = new Set(readers);
  const left = people.filter((p) => !can.has(p.id));
  return left.length ? { kind: 'readers', names: left.map((p) => p.name) } : null;
}

/**
 * @param input    the composer's textarea
 * @param channel  () => the channel written in (for `@channel`), or null
 */
export function mentionPicker(input, { channel }) {
  const listId = uniqueId('mentions');
  const list = h('ul', { id: listId, class: 'mention-list', role: 'listbox', hidden: true, 'aria-label': t('mentions.label'), dataset: { testid: 'mention-list' } });
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', listId);
  input.setAttribute('aria-expanded', 'false');
  let choices = []; // [{id, display_name, department, status} | {everyone: true}]
  let active = 0;
  let typed = null; // {start, query}: the `@…` being typed
  let timer = null;
  let asked = 0;
  let composing = false;

  function current() {
    if (input.selectionStart !== input.selectionEnd) return null;
    const before = input.value.slice(0, input.selectionStart);
    const m = TYPED.exec(before);
    if (!m) return null;
    return { start: before.length - m[1].length - 1, query: m[1] };
  }

  function follow() {
    const now = current();
    if (!now) {
      close();
      return;
    }
    if (typed && typed.start === now.start && typed.query === now.query && !list.hidden) return;
    typed = now;
    clearTimeout(timer);
    timer = setTimeout(() => ask(now.query), ASK_AFTER_MS);
  }

  async function ask(query) {
    const mine = ++asked;
    let people = [];
    try {
      const q = query ? `q=${encodeURIComponent(query)}&` : '';
      people = await get(`/api/users?${q}limit=${SHOWN}`, { quiet: true });
    } catch {
      people = [];
    }
    if (mine !== asked || !typed) return;
    notePresence(people);
    choices = people.filter((p) => p.is_active !== false && p.id !== app.me?.id);
    const c = channel();
    if (c?.can_mention_channel && 'channel'.startsWith(query.toLowerCase())) choices.push({ everyone: true });
    active = 0;
    render();
  }

  function render() {
    if (!choices.length) {
      list.replaceChildren(h('li', { class: 'mention-none muted small', text: t('mentions.none') }));
      open();
      input.removeAttribute('aria-activedescendant');
      return;
    }
    list.replaceChildren(
      ...choices.map((p, i) => {
        const id = `${listId}-${i}`;
        const selected = i === active;
        const item = p.everyone
          ? h('li', { id, role: 'option', class: 'mention-option', 'aria-selected': String(selected), dataset: { testid: 'mention-option', everyone: 'true' } },
              h('strong', { text: '@channel' }),
              h('span', { class: 'muted small', text: t('mentions.everyone') }))
          : h('li', { id, role: 'option', class: 'mention-option', 'aria-selected': String(selected), dataset: { testid: 'mention-option', userId: String(p.id) } },
              h('span', { class: 'avatar-wrap' }, avatar(p, 'small'), statusDot(app.presence.get(p.id) ?? p.status)),
              h('span', { class: 'mention-name', text: p.display_name }),
              p.department ? h('span', { class: 'muted small', text: p.department }) : null);
        // pointerdown, not click: the textarea keeps focus (and its caret).
        item.addEventListener('pointerdown', (ev) => {
          ev.preventDefault();
          take(i);
        });
        return item;
      }),
    );
    input.setAttribute('aria-activedescendant', `${listId}-${active}`);
    open();
  }

  function open() {
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function close() {
    clearTimeout(timer);
    asked += 1;
    typed = null;
    choices = [];
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function take(i) {
    const p = choices[i];
    const at = current();
    if (!p || !at) return;
    const text = p.everyone ? '@channel ' : `@[${p.display_name.replace(/[[\]\n]/g, ' ')}](${p.id}) `;
    const end = input.selectionStart;
    input.setRangeText(text, at.start, end, 'end');
    close();
    input.dispatchEvent(new Event('input', { bubbles: true })); // the draft, the counter, the height
  }

  // Before the composer's own keydown (it sends on Enter): registered first.
  input.addEventListener('keydown', (ev) => {
    if (list.hidden || ev.isComposing || ev.keyCode === 229 || composing) return;
    if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      close();
      return;
    }
    if (!choices.length) return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      active = (active + (ev.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length;
      render();
    } else if ((ev.key === 'Enter' && !ev.shiftKey) || ev.key === 'Tab') {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      take(active);
    }
  });
  input.addEventListener('compositionstart', () => {
    composing = true;
  });
  input.addEventListener('compositionend', () => {
    composing = false;
    follow();
  });
  input.addEventListener('input', (ev) => {
    if (ev.isComposing || composing) return; // the list follows once the text is confirmed
    follow();
  });
  input.addEventListener('click', follow);
  input.addEventListener('blur', () => setTimeout(() => document.activeElement !== input && close(), 150));

  return {
    el: list,
    close,
  };
}
