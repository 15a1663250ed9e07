// #/ : the home feed, the landing page (GET /api/home; docs/protocol.md,
// "Home feed"): the newest posts of every channel one is in, unread ones
// first, then the rest, newest first in each, a page at a time. Must-read
// announcements one has not confirmed go above everything, each with its
// 確認しました / "Got it" button (views/announcements.js keeps them live).
//
// Live: a post created in a followed channel (the socket's `event`, which the
// sidebar's counts follow too) goes to the top of its section; a deleted one
// leaves; a read position moving (here, on another device, or "mark all
// read") moves the posts it covers from the unread section down to the read
// one, where they take their place by age. "Jump to first unread" loads pages
// until the unread section is complete and scrolls to its last post, the
// oldest one: where one stopped reading. A post opens in its channel, in its
// thread (#/c/<channel>/p/<post>), as search results do.
//
// Someone in no channel at all sees the "browse the directory" card. Above the
// feed, the next few events one may see (views/events_upcoming.js).
import { get, post as httpPost } from '../api.js';
import { h } from '../dom.js';
import { formatFull, formatWhen, t } from '../i18n/index.js';
import { readMoved, readState } from '../reading.js';
import { safeFragment } from '../safe_html.js';
import { app, channelById, refreshChannels } from '../state.js';
import { mustReadPanel } from './announcements.js';
import { errorText, toast } from './errors.js';
import { progressText } from './checklist.js';
import { newcomerBadge } from './newcomer_badge.js';
import { pollResults } from './poll.js';
import { upcomingEvents } from './events_upcoming.js';

const JUMP_PAGES = 10; // pages "jump to first unread" loads at most

/** One post of the feed: where, who, when, what; a link to it in its channel. */
function feedItem(item) {
  const { post, channel } = item;
  const counts = [
    post.comment_count ? t('home.comments', { count: post.comment_count }) : null,
    post.like_count ? t('home.likes', { count: post.like_count }) : null,
    post.files?.length ? t('home.files', { count: post.files.length }) : null,
  ].filter(Boolean);
  return h(
    'li',
    {
      class: `home-item${item.unread ? ' unread' : ''}`,
      dataset: { testid: 'home-post', postId: String(post.id), channelId: String(channel.id), unread: String(item.unread) },
    },
    h(
      'a',
      { class: 'card search-hit home-hit', href: `#/c/${channel.id}/p/${post.id}` },
      h(
        'span',
        { class: 'search-meta' },
        h('strong', { class: 'search-channel', dataset: { testid: 'home-channel' }, text: channel.name }),
        h('span', { dataset: { testid: 'home-author' }, text: post.author.anonymous ? t('question.anonymous') : post.author.display_name }),
        newcomerBadge(post.author),
        h('time', { datetime: post.created_at, title: formatFull(post.created_at), text: formatWhen(post.created_at) }),
        post.edited_at ? h('span', { class: 'muted', text: t('home.edited') }) : null,
      ),
      h('span', { class: 'home-text', dataset: { testid: 'home-text' } }, safeFragment(post.html)),
      post.poll ? pollResults(post.poll) : null,
      counts.length ? h('span', { class: 'search-meta', text: counts.join(' · ') }) : null,
    ),
  );
}

/** While one is a newcomer: a way back to one's welcome page, with one's progress. */
function welcomeCard() {
  if (!app.me?.newcomer) return null;
  const progress = h('small', { class: 'muted', dataset: { testid: 'home-welcome-progress' } });
  get('/api/me/welcome')
    .then((w) => (progress.textContent = progressText(w.checklist)))
    .catch(() => {});
  return h(
    'a',
    { class: 'card welcome-link', href: '#/welcome', dataset: { testid: 'home-welcome' } },
    h('strong', { text: t('home.welcomePage') }),
    ' ',
    progress,
  );
}

export function mount(container) {
  let alive = true;
  const offs = [];
  const items = new Map(); // post id -> {item, el}
  let next = null; // {section, before} of the next page; null at the end
  let loading = null;
  app.emit('title', t('home.title'));
  container.replaceChildren(h('p', { class: 'muted pad', text: t('common.loading') }));
  const upcoming = upcomingEvents();
  offs.push(() => upcoming.destroy());

  const status = h('p', { class: 'muted', role: 'status', dataset: { testid: 'home-status' } });
  const mustRead = mustReadPanel();
  offs.push(mustRead.destroy);
  const unreadList = h('ol', { class: 'card-list', dataset: { testid: 'home-unread' } });
  const unreadHead = h('h2', { id: 'home-unread-head' });
  const unreadPart = h('section', { class: 'home-section', 'aria-labelledby': 'home-unread-head' }, unreadHead, unreadList);
  const readList = h('ol', { class: 'card-list', dataset: { testid: 'home-read' } });
  const readPart = h('section', { class: 'home-section', 'aria-labelledby': 'home-read-head' }, h('h2', { id: 'home-read-head', text: t('home.earlier') }), readList);
  const jump = h('button', { class: 'btn', type: 'button', text: t('home.jump'), dataset: { testid: 'home-jump' }, onclick: jumpToFirstUnread });
  const readAll = h('button', { class: 'btn', type: 'button', text: t('home.readAll'), dataset: { testid: 'home-read-all' }, onclick: markAllRead });
  const more = h('button', { class: 'btn', type: 'button', hidden: true, text: t('home.more'), dataset: { testid: 'home-more' }, onclick: () => load() });
  const page = h(
    'div',
    { class: 'page home-page', dataset: { testid: 'home-page' } },
    h('div', { class: 'page-head' }, h('h1', { text: t('home.feed') }), h('div', { class: 'home-actions' }, jump, readAll)),
    welcomeCard(),
    upcoming.el,
    status,
    mustRead.el,
    unreadPart,
    readPart,
    more,
  );

  // ---- drawing ------------------------------------------------------------------

  function unreadItems() {
    return [...items.values()].filter((x) => x.item.unread);
  }

  function render() {
    const unread = unreadItems().length;
    const moreUnread = next?.section === 'unread';
    unreadHead.textContent = t(moreUnread ? 'home.unreadMore' : 'home.unread', { count: unread });
    unreadPart.hidden = unread === 0;
    readPart.hidden = readList.childElementCount === 0;
    jump.hidden = unread === 0;
    readAll.disabled = unread === 0 && !anyBadge();
    more.hidden = !next;
    if (!items.size) status.textContent = next ? '' : t('home.nothing');
    else status.textContent = unread ? '' : t('home.caughtUp');
  }

  function anyBadge() {
    return app.channels.some((c) => (readState(c.id)?.unread ?? 0) > 0);
  }

  /** Put an item in its section, in order (newest first). */
  function place(entry) {
    const list = entry.item.unread ? unreadList : readList;
    const id = entry.item.post.id;
    const after = [...list.children].find((li) => Number(li.dataset.postId) < id);
    list.insertBefore(entry.el, after ?? null);
  }

  function add(item) {
    if (items.has(item.post.id)) return; // met twice across pages: keep the first
    const entry = { item, el: feedItem(item) };
    items.set(item.post.id, entry);
    place(entry);
  }

  function remove(postId) {
    const entry = items.get(postId);
    if (!entry) return;
    entry.el.remove();
    items.delete(postId);
  }

  /** A channel read up to `seq`: its posts up to there are read now. */
  function readUpTo(channelId, seq) {
    let moved = false;
    for (const entry of items.values()) {
      const { item } = entry;
      if (!item.unread || item.channel.id !== channelId || item.seq > seq) continue;
      item.unread = false;
      const fresh = feedItem(item);
      entry.el.replaceWith(fresh);
      entry.el = fresh;
      place(entry);
      moved = true;
    }
    return moved;
  }

  // ---- loading ------------------------------------------------------------------

  function load() {
    loading ??= (async () => {
      more.hidden = true;
      const query = new URLSearchParams();
      if (next?.section) query.set('section', next.section);
      if (next?.before) query.set('before', String(next.before));
      try {
        const answer = await get(`/api/home${query.size ? `?${query}` : ''}`);
        if (!alive) return;
        if (!query.has('before') && !query.has('section')) mustRead.set(answer.must_read);
        answer.posts.forEach(add);
        next = answer.section ? { section: answer.section, before: answer.before } : null;
        render();
      } catch (err) {
        if (!alive) return;
        status.textContent = errorText(err);
        more.hidden = !next;
      }
    })().finally(() => {
      loading = null;
    });
    return loading;
  }

  async function jumpToFirstUnread() {
    for (let i = 0; i < JUMP_PAGES && next?.section === 'unread' && alive; i++) await load();
    const unread = unreadItems();
    const oldest = unread.reduce((a, b) => (b.item.post.id < a.item.post.id ? b : a), unread[0]);
    if (!oldest) return;
    oldest.el.scrollIntoView({ block: 'center' });
    oldest.el.querySelector('a')?.focus({ preventScroll: true });
  }

  async function markAllRead() {
    readAll.disabled = true;
    try {
      const done = await httpPost('/api/home/read');
      // The badges here at once (the same read.moved reach the other devices).
      for (const state of done.channels) readMoved(state, { answer: true });
      for (const state of done.channels) readUpTo(state.channel_id, state.seq);
      if (alive) {
        render();
        toast(t('home.readAllDone'));
      }
    } catch (err) {
      if (alive) toast(errorText(err));
    } finally {
      if (alive) render();
    }
  }

  // ---- live ---------------------------------------------------------------------

  function onEvent(frame) {
    if (frame.kind === 'post.created') {
      const post = frame.data.post;
      const channel = channelById(frame.channel);
      if (!post || post.parent_id || !channel?.is_member) return;
      const read = readState(frame.channel)?.read ?? 0;
      const unread = post.author?.id !== app.me.id && frame.seq > read;
      add({ post, channel: { id: channel.id, name: channel.name, kind: channel.kind }, seq: frame.seq, unread });
    } else if (frame.kind === 'post.deleted') {
      remove(frame.data.post_id);
    } else if (frame.kind === 'post.edited' && items.has(frame.data.post?.id)) {
      const entry = items.get(frame.data.post.id);
      entry.item = { ...entry.item, post: { ...entry.item.post, ...frame.data.post } };
      const fresh = feedItem(entry.item);
      entry.el.replaceWith(fresh);
      entry.el = fresh;
    } else {
      return;
    }
    render();
  }

  function onUnread({ channel }) {
    const ids = channel == null ? [...new Set([...items.values()].map((x) => x.item.channel.id))] : [channel];
    for (const id of ids) {
      const state = readState(id);
      if (state) readUpTo(id, state.read);
    }
    render();
  }

  /** Channels one left or lost: their posts leave the feed. */
  function onChannels() {
    for (const [id, entry] of items) {
      if (!channelById(entry.item.channel.id)?.is_member) remove(id);
    }
    render();
  }

  refreshChannels()
    .catch(() => {})
    .then(() => {
      if (!alive) return;
      if (!app.channels.some((c) => c.is_member)) {
        container.replaceChildren(
          h(
            'section',
            { class: 'empty-state', dataset: { testid: 'home-empty' } },
            h('h1', { text: t('home.welcome', { name: app.me.display_name }) }),
            h('p', { text: t('home.noChannels') }),
            h('a', { class: 'btn primary', href: '#/directory', text: t('home.browse') }),
          ),
        );
        return;
      }
      container.replaceChildren(page);
      if (app.conn) offs.push(app.conn.on('event', onEvent));
      offs.push(app.on('unread', onUnread), app.on('channels', onChannels));
      load();
    });

  return {
    destroy() {
      alive = false;
      for (const off of offs.splice(0)) off();
    },
  };
}
