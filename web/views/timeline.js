// A channel's timeline: its posts oldest to newest, newest at the bottom, the
// person's posts still being sent after them, all drawn from the channel's
// store (web/posts.js) and kept in step with it. Scrolling to the top loads
// the page before; new posts scroll into view when one is already at the
// bottom (or wrote them), otherwise a "new posts" button appears; at the
// bottom, it stays there when what is above changes height. A divider marks
// where the posts new since one's last visit start (web/views/channel_read.js
// says which), with a button to jump up to it while it has not been on screen.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { PostList } from './post_list.js';

const NEAR_BOTTOM_PX = 120;

export class Timeline {
  /**
   * @param store      the channel's ChannelStore
   * @param loadOlder  async (before) => HistoryPage
   * @param onScrolled () => void: the reader scrolled, or the timeline followed new posts down
   */
  constructor(store, { label, loadOlder, onScrolled }) {
    this.store = store;
    this.loadOlder = loadOlder;
    this.onScrolled = onScrolled ?? (() => {});
    this.loading = null; // the older page being fetched (a promise)
    this.pinned = true; // scrolled to the bottom (as of the last scroll): new posts follow
    this.list = new PostList(store, {
      parentId: null,
      attrs: { class: 'posts' },
      onAdded: ({ live, own }) => live && this.arrived(own),
      onChange: () => this.renderTop(),
    });
    this.olderButton = h('button', {
      class: 'btn small',
      dataset: { testid: 'load-older' },
      onclick: () => this.older(),
      text: t('timeline.older'),
    });
    this.top = h('div', { class: 'timeline-top', dataset: { testid: 'timeline-top' } });
    this.empty = h('p', { class: 'empty muted', hidden: true, dataset: { testid: 'timeline-empty' }, text: t('timeline.empty') });
    this.newButton = h('button', {
      class: 'new-posts',
      hidden: true,
      dataset: { testid: 'new-posts' },
      onclick: () => this.scrollToBottom(true),
      text: t('timeline.newPosts'),
    });
    this.jumpButton = h('button', {
      class: 'jump-unread',
      hidden: true,
      dataset: { testid: 'jump-unread' },
      onclick: () => this.jumpToUnread(),
      text: t('timeline.jumpUnread'),
    });
    this.divider = null; // "new since your last visit", once marked
    this.dividerSeen = false;
    this.dividerWatch = null;
    this.scroller = h(
      'div',
      { class: 'timeline', role: 'log', 'aria-label': label, tabindex: '0', dataset: { testid: 'timeline' } },
      this.top,
      this.empty,
      this.list.el,
    );
    this.el = h('div', { class: 'timeline-wrap' }, this.scroller, this.jumpButton, this.newButton);
    this.ownTop = null; // where scrollToBottom left it: a scroll event there was ours, not the reader's
    this.scroller.addEventListener('scroll', () => {
      // Our own scroll, reported after something above grew: still pinned.
      if (this.pinned && this.scroller.scrollTop === this.ownTop) return;
      this.pinned = this.atBottom();
      if (this.pinned) this.newButton.hidden = true;
      this.onScrolled();
    });
    // At the bottom, stay there whatever changes the height under it: a side
    // panel narrowing the column (file cards and long lines wrap), fonts arriving.
    this.resizer = new ResizeObserver(() => this.pinned && this.scrollToBottom());
    this.resizer.observe(this.list.el);
    this.resizer.observe(this.scroller);
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) this.older();
      },
      { root: this.scroller, rootMargin: '300px 0px 0px 0px' },
    );
    this.offs = [
      store.posts.on('reset', () => this.reset()),
      store.on('rights', () => this.list.rightsChanged()),
    ];
    if (store.posts.loaded) this.reset();
  }

  /** The newest posts are on screen: the reader is at the bottom (as of the last scroll). */
  showsNewest() {
    return this.pinned;
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom(smooth = false) {
    this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    this.ownTop = smooth ? null : this.scroller.scrollTop;
    this.pinned = true;
    this.newButton.hidden = true;
    this.onScrolled();
  }

  /**
   * Mark where the new posts start: above the first post whose id is `fromId`
   * or more. One divider a visit; `again` moves it, once the old one was seen
   * (posts that came while the tab was hidden).
   */
  markUnread(fromId, { again = false } = {}) {
    if (this.divider && !(again && this.dividerSeen)) return;
    this.divider ??= h(
      'div',
      { class: 'unread-divider', role: 'separator', dataset: { testid: 'unread-divider' } },
      h('span', { text: t('timeline.unreadDivider') }),
    );
    this.dividerSeen = false;
    this.list.setMarker(this.divider, fromId);
    // Observed afresh, so the first report says where it is now.
    this.dividerWatch?.disconnect();
    this.dividerWatch = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) this.dividerSeen = true;
        this.jumpButton.hidden = this.dividerSeen;
      },
      { root: this.scroller },
    );
    this.dividerWatch.observe(this.divider);
  }

  /** Load older pages until the divider's place is loaded, and show it at the top. */
  async jumpToUnread() {
    if (!this.divider) return;
    while (!this.divider.isConnected && this.store.posts.before) {
      const before = this.store.posts.before;
      await this.older();
      if (this.store.posts.before === before) return; // failed: the button stays for another try
    }
    if (!this.divider.isConnected) return;
    const s = this.scroller;
    s.scrollTop += this.divider.getBoundingClientRect().top - s.getBoundingClientRect().top - 8;
    this.pinned = this.atBottom();
  }

  /** The store has a new newest page: draw it all, at the bottom. */
  reset() {
    this.list.rebuild();
    this.scrollToBottom();
    this.observer.disconnect();
    // Watch the top only after the first scroll, so the first page alone is fetched.
    requestAnimationFrame(() => this.observer.observe(this.top));
  }

  /** A post or pending post came in live: follow it down, or offer to. */
  arrived(own) {
    if (own || this.pinned) this.scrollToBottom();
    else this.newButton.hidden = false;
  }

  renderTop() {
    const posts = this.list.size;
    this.empty.hidden = posts > 0 || this.list.pendingCount > 0;
    if (this.store.posts.before) this.top.replaceChildren(this.olderButton);
    else if (posts) this.top.replaceChildren(h('p', { class: 'muted small', dataset: { testid: 'timeline-start' }, text: t('timeline.start') }));
    else this.top.replaceChildren();
  }

  /** Load the page before the oldest shown (the one being loaded, if it is under way). */
  older() {
    if (!this.loading && this.store.posts.before) {
      this.loading = this.#older().finally(() => {
        this.loading = null;
      });
    }
    return this.loading ?? Promise.resolve();
  }

  async #older() {
    const before = this.store.posts.before;
    this.olderButton.disabled = true;
    this.olderButton.textContent = t('common.loading');
    try {
      const page = await this.loadOlder(before);
      if (this.store.posts.before !== before) return; // the timeline was reset meanwhile
      const s = this.scroller;
      const fromBottom = s.scrollHeight - s.scrollTop;
      this.store.posts.addOlder(page);
      s.scrollTop = s.scrollHeight - fromBottom; // keep what one was reading in place
    } catch {
      /* the button stays for another try */
    } finally {
      this.olderButton.disabled = false;
      this.olderButton.textContent = t('timeline.older');
      this.renderTop();
    }
  }

  destroy() {
    this.observer.disconnect();
    this.dividerWatch?.disconnect();
    this.resizer.disconnect();
    this.list.destroy();
    for (const off of this.offs) off();
  }
}
