// "Aiko is typing…" under the timeline: a typing frame shows a name for a few
// seconds; a post from that person ends it at once.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

const SHOW_MS = 5000;

export class TypingIndicator {
  constructor() {
    this.people = new Map(); // user id -> {name, timer}
    this.el = h('div', { class: 'typing', 'aria-live': 'polite', dataset: { testid: 'typing' } });
  }

  started(userId, name) {
    clearTimeout(this.people.get(userId)?.timer);
    const timer = setTimeout(() => this.stopped(userId), SHOW_MS);
    this.people.set(userId, { name, timer });
    this.render();
  }

  stopped(userId) {
    const entry = this.people.get(userId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.people.delete(userId);
    this.render();
  }

  render() {
    const names = [...this.people.values()].map((p) => p.name);
    let text = '';
    if (names.length === 1) text = t('typing.one', { name: names[0] });
    else if (names.length === 2) text = t('typing.two', { a: names[0], b: names[1] });
    else if (names.length > 2) text = t('typing.many', { count: names.length });
    this.el.textContent = text;
  }

  destroy() {
    for (const { timer } of this.people.values()) clearTimeout(timer);
  }
}
