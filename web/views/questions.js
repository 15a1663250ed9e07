// #/questions : open questions across the channels one may read (GET
// /api/questions), oldest first, a page at a time, with filters: channel and
// state (open, unanswered, answered, resolved). A question opens in its
// channel's thread. Anonymous askers are shown as such (the server never
// names them).
import { get } from '../api.js';
import { h } from '../dom.js';
import { formatFull, formatWhen, t } from '../i18n/index.js';
import { safeFragment } from '../safe_html.js';
import { app } from '../state.js';
import { errorText } from './errors.js';

const STATES = ['open', 'unanswered', 'answered', 'resolved'];

export function mount(container) {
  let alive = true;
  app.emit('title', t('questions.title'));
  const state = h('select', { dataset: { testid: 'questions-state' } }, STATES.map((s) => h('option', { value: s, text: t(`questions.filter.${s}`) })));
  const channel = h('select', { dataset: { testid: 'questions-channel' } }, h('option', { value: '', text: t('questions.allChannels') }));
  const list = h('ul', { class: 'card-list', dataset: { testid: 'questions-list' } });
  const more = h('button', { class: 'btn ghost', hidden: true, dataset: { testid: 'questions-more' }, text: t('questions.more') });
  const status = h('p', { class: 'muted', role: 'status' });
  let after = null;
  let channels = new Map();

  function item(q) {
    const p = q.post;
    const who = p.author.anonymous ? t('question.anonymous') : p.author.display_name;
    return h(
      'li',
      { class: 'q-item', dataset: { testid: 'question-item', postId: String(p.id) } },
      h(
        'a',
        { class: 'card search-hit', href: `#/c/${q.channel.id}/p/${p.id}` },
        h(
          'span',
          { class: 'search-meta' },
          h('strong', { text: q.channel.name }),
          h('span', { text: who }),
          h('span', { class: `q-state q-${p.question.state}`, dataset: { testid: 'question-state' }, text: t(`question.state.${p.question.state}`) }),
          h('time', { datetime: q.asked_at, title: formatFull(q.asked_at), text: formatWhen(q.asked_at) }),
          p.comment_count ? h('span', { text: t('home.comments', { count: p.comment_count }) }) : null,
        ),
        h('span', { class: 'home-text' }, safeFragment(p.html)),
      ),
    );
  }

  let asked = 0; // the newest request: an older answer (other filters) is dropped

  async function load(next = false) {
    const mine = ++asked;
    const params = new URLSearchParams({ state: state.value });
    if (channel.value) params.set('channel', channel.value);
    if (next && after) params.set('after', String(after));
    status.textContent = t('common.loading');
    try {
      const page = await get(`/api/questions?${params}`);
      if (!alive || mine !== asked) return;
      if (!next) list.replaceChildren();
      for (const q of page.questions) {
        channels.set(q.channel.id, q.channel.name);
        list.append(item(q));
      }
      after = page.after;
      more.hidden = after === null;
      status.textContent = list.children.length ? '' : t('questions.none');
      fillChannels();
    } catch (err) {
      if (alive && mine === asked) status.textContent = errorText(err);
    }
  }

  function fillChannels() {
    const chosen = channel.value;
    const known = new Map([...channels, ...(app.channels ?? []).filter((c) => c.qa).map((c) => [c.id, c.name])]);
    channel.replaceChildren(
      h('option', { value: '', text: t('questions.allChannels') }),
      ...[...known].map(([id, name]) => h('option', { value: String(id), text: name })),
    );
    channel.value = chosen;
  }

  state.addEventListener('change', () => load());
  channel.addEventListener('change', () => load());
  more.addEventListener('click', () => load(true));
  container.replaceChildren(
    h(
      'div',
      { class: 'page questions-page', dataset: { testid: 'questions-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('questions.title') })),
      h('p', { class: 'muted', text: t('questions.lead') }),
      h(
        'div',
        { class: 'filters' },
        h('label', { class: 'field' }, h('span', { text: t('questions.channel') }), channel),
        h('label', { class: 'field' }, h('span', { text: t('questions.state') }), state),
      ),
      status,
      list,
      more,
    ),
  );
  load();
  return {
    destroy() {
      alive = false;
    },
  };
}
