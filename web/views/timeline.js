// A channel's timeline: posts oldest to newest, newest at the bottom, posts
// still being sent after them. Scrolling to the top loads the page before;
// new posts scroll into view when one is already at the bottom, otherwise a
// "new posts" button appears.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { PendingView, PostView } from './post.js';

const NEAR_BOTTOM_PX = 120;

export class Timeline {
  /** @param loadOlder  async (before) => HistoryPage */
  constructor({ label, loadOlder }) {
    this.loadOlder = loadOlder;
    this.views = new Map(); // post id -> PostView
    this.pending = new Map(); // cid -> PendingView
    this.before = null;
    this.loading = false;
    this.list = h('div', { class: 'posts' });
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
      this.list,
    );
    this.el = h('div', { class: 'timeline-wrap' }, this.scroller, this.newButton);
    this.scroller.addEventListener('scroll', () => {
      if (this.atBottom()) this.newButton.hidden = true;
    });
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) this.older();
      },
      { root: this.scroller, rootMargin: '300px 0px 0px 0px' },
    );
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom(smooth = false) {
    this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    this.newButton.hidden = true;
  }

  /** Show a history page as the whole timeline (first load, or after a reset). */
  setPage(page) {
    this.views.clear();
    this.list.replaceChildren(...[...this.pending.values()].map((p) => p.el));
    for (const post of page.posts) this.insert(post, { fromPage: true });
    this.before = page.before;
    this.renderTop();
    this.scrollToBottom();
    this.observer.disconnect();
    // Watch the top only after the first scroll, so the first page alone is fetched.
    requestAnimationFrame(() => this.observer.observe(this.top));
  }

  renderTop() {
    this.empty.hidden = this.views.size > 0 || this.pending.size > 0;
    if (this.before) this.top.replaceChildren(this.olderButton);
    else if (this.views.size) this.top.replaceChildren(h('p', { class: 'muted small', dataset: { testid: 'timeline-start' }, text: t('timeline.start') }));
    else this.top.replaceChildren();
  }

  async older() {
    if (!this.before || this.loading) return;
    this.loading = true;
    this.olderButton.disabled = true;
    this.olderButton.textContent = t('common.loading');
    try {
      const page = await this.loadOlder(this.before);
      const s = this.scroller;
      const fromBottom = s.scrollHeight - s.scrollTop;
      for (const post of page.posts) this.insert(post, { fromPage: true });
      this.before = page.before;
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

  /** Add or refresh a post; returns its view. */
  insert(post, { fromPage = false } = {}) {
    const existing = this.views.get(post.id);
    if (existing) {
      existing.update(post, { fromPage });
      return existing;
    }
    const view = new PostView(post);
    this.views.set(post.id, view);
    // Keep id order: walk back from the newest (new posts land at the end).
    let next = null;
    for (const child of [...this.list.children].reverse()) {
      const id = Number(child.dataset.postId);
      if (child.dataset.testid === 'pending-post' || id > post.id) next = child;
      else break;
    }
    this.list.insertBefore(view.el, next);
    this.empty.hidden = true;
    return view;
  }

  /** A post that arrived live. */
  add(post, { own = false } = {}) {
    const stick = own || this.atBottom();
    const known = this.views.has(post.id);
    this.insert(post);
    if (known) return;
    this.renderTop();
    if (stick) this.scrollToBottom();
    else this.newButton.hidden = false;
  }

  update(post) {
    this.views.get(post.id)?.update(post);
  }

  remove(postId) {
    const view = this.views.get(postId);
    if (!view) return;
    view.el.remove();
    this.views.delete(postId);
    this.renderTop();
  }

  setLikes(postId, count, userId, added) {
    this.views.get(postId)?.setLikes(count, userId, added);
  }

  setComments(postId, count) {
    this.views.get(postId)?.setComments(count);
  }

  addPending(cid, body, { onRetry, onDiscard }) {
    let view = this.pending.get(cid);
    if (view) {
      view.sending();
      return view;
    }
    view = new PendingView({ body, onRetry, onDiscard });
    this.pending.set(cid, view);
    this.list.append(view.el);
    this.empty.hidden = true;
    this.scrollToBottom();
    return view;
  }

  pendingView(cid) {
    return this.pending.get(cid);
  }

  removePending(cid) {
    const view = this.pending.get(cid);
    if (!view) return;
    view.el.remove();
    this.pending.delete(cid);
    this.renderTop();
  }

  /** The cid of a pending post with this body, if any (its event came before its ack). */
  pendingWithBody(body) {
    for (const [cid, view] of this.pending) if (view.body === body) return cid;
    return null;
  }

  destroy() {
    this.observer.disconnect();
  }
}
