// A channel's timeline: its posts oldest to newest, newest at the bottom, the
// person's posts still being sent after them, all drawn from the channel's
// store (web/posts.js) and kept in step with it. Scrolling to the top loads
// the page before; new posts scroll into view when one is already at the
// bottom (or wrote them), otherwise a "new posts" button appears; at the
// bottom, it stays there when what is above changes height.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { PostList } from './post_list.js';

const NEAR_BOTTOM_PX = 120;

export class Timeline {
  /**
   * @param store      the channel's ChannelStore
   * @param loadOlder  async (before) => HistoryPage
   */
  constructor(store, { label, loadOlder }) {
    this.store = store;
    this.loadOlder = loadOlder;
    this.loading = false;
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
    this.scroller = h(
      'div',
      { class: 'timeline', role: 'log', 'aria-label': label, tabindex: '0', dataset: { testid: 'timeline' } },
      this.top,
      this.empty,
      this.list.el,
    );
    this.el = h('div', { class: 'timeline-wrap' }, this.scroller, this.newButton);
    this.ownTop = null; // where scrollToBottom left it: a scroll event there was ours, not the reader's
    this.scroller.addEventListener('scroll', () => {
      // Our own scroll, reported after something above grew: still pinned.
      if (this.pinned && this.scroller.scrollTop === this.ownTop) return;
      this.pinned = this.atBottom();
      if (this.pinned) this.newButton.hidden = true;
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

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom(smooth = false) {
    this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    this.ownTop = smooth ? null : this.scroller.scrollTop;
    this.pinned = true;
    this.newButton.hidden = true;
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

  async older() {
    const before = this.store.posts.before;
    if (!before || this.loading) return;
    this.loading = true;
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
      this.loading = false;
      this.olderButton.disabled = false;
      this.olderButton.textContent = t('timeline.older');
      this.renderTop();
    }
  }

  destroy() {
    this.observer.disconnect();
    this.resizer.disconnect();
    this.list.destroy();
    for (const off of this.offs) off();
  }
}
