// A post opened with its comments (#/c/<channel>/p/<post>): the comments
// arrive live (comment.* events) and one can add to them.
import { get, newCid } from '../api.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { composer } from './composer.js';
import { errorText } from './errors.js';
import { PendingView, PostView } from './post.js';

export class ThreadPanel {
  constructor(postId, { canWrite, onClose }) {
    this.postId = postId;
    this.rootId = postId;
    this.canWrite = canWrite;
    this.root = null;
    this.views = new Map(); // comment id -> PostView
    this.pending = new Map(); // cid -> PendingView
    this.rootHolder = h('div', { class: 'thread-root' });
    this.list = h('div', { class: 'comments', role: 'log', 'aria-label': t('thread.comments'), dataset: { testid: 'comments' } });
    this.footer = h('div', { class: 'thread-footer' });
    this.closeButton = h('button', { class: 'icon-btn', 'aria-label': t('thread.close'), dataset: { testid: 'thread-close' }, onclick: onClose, }, icon('close'));
    this.el = h(
      'aside',
      { class: 'side-panel thread-panel', 'aria-labelledby': 'thread-title', dataset: { testid: 'thread-panel' } },
      h('div', { class: 'panel-head' }, h('h2', { id: 'thread-title', tabindex: '-1', text: t('thread.title') }), this.closeButton),
      h('div', { class: 'panel-scroll', dataset: { testid: 'thread-scroll' } }, this.rootHolder, this.list),
      this.footer,
    );
    this.scroller = this.el.querySelector('.panel-scroll');
    this.el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !ev.defaultPrevented && !ev.target.closest('textarea, dialog')) onClose();
    });
  }

  async load() {
    this.rootHolder.replaceChildren(h('p', { class: 'muted pad', text: t('common.loading') }));
    try {
      const thread = await get(`/api/posts/${this.postId}`);
      this.rootId = thread.post.id;
      this.root = new PostView(thread.post);
      this.root.el.classList.add('root');
      this.rootHolder.replaceChildren(this.root.el);
      this.list.replaceChildren();
      this.views.clear();
      for (const c of thread.comments) this.addComment(c, { fromPage: true });
      this.renderFooter();
      this.scroller.scrollTop = this.scroller.scrollHeight;
    } catch (err) {
      this.rootHolder.replaceChildren(
        h('p', { class: 'pad', role: 'alert', dataset: { testid: 'thread-missing' }, text: err.code === 'not_found' ? t('thread.missing') : errorText(err) }),
      );
    }
  }

  renderFooter() {
    this.composer?.destroy();
    this.composer = null;
    if (!this.canWrite) {
      this.footer.replaceChildren(h('p', { class: 'muted small pad', text: t('thread.joinToComment') }));
      return;
    }
    this.composer = composer({
      draftKey: `draft:p${this.rootId}`,
      label: t('thread.commentLabel'),
      placeholder: t('thread.commentPlaceholder'),
      testid: 'comment-composer',
      onSend: (body) => this.send(body, newCid()),
    });
    this.footer.replaceChildren(this.composer.el);
  }

  setCanWrite(canWrite) {
    if (canWrite === this.canWrite) return;
    this.canWrite = canWrite;
    if (this.root) this.renderFooter();
  }

  addComment(comment, { fromPage = false } = {}) {
    const known = this.views.get(comment.id);
    if (known) {
      known.update(comment, { fromPage });
      return;
    }
    const view = new PostView(comment, { comment: true });
    this.views.set(comment.id, view);
    const firstPending = this.list.querySelector('[data-testid="pending-post"]');
    this.list.insertBefore(view.el, firstPending);
  }

  async send(body, cid) {
    let view = this.pending.get(cid);
    if (!view) {
      view = new PendingView({
        body,
        onRetry: () => this.send(body, cid),
        onDiscard: () => this.dropPending(cid),
      });
      this.pending.set(cid, view);
      this.list.append(view.el);
    } else {
      view.sending();
    }
    this.scroller.scrollTop = this.scroller.scrollHeight;
    try {
      const ack = await app.conn.write({ op: 'comment', post: this.rootId, body, cid });
      this.dropPending(cid);
      if (ack.post) this.addComment(ack.post);
    } catch (err) {
      if (this.pending.has(cid)) view.failed(errorText(err));
    }
  }

  dropPending(cid) {
    this.pending.get(cid)?.el.remove();
    this.pending.delete(cid);
  }

  /** A channel event: returns true if it closed the thread (its post was deleted). */
  onEvent(frame) {
    const d = frame.data;
    switch (frame.kind) {
      case 'comment.created':
        if (d.post.parent_id !== this.rootId) return;
        if (d.post.author.id === app.me.id) {
          for (const [cid, v] of this.pending) if (v.body === d.post.body) { this.dropPending(cid); break; }
        }
        this.addComment(d.post);
        this.root?.setComments(d.comment_count);
        if (this.nearBottom()) this.scroller.scrollTop = this.scroller.scrollHeight;
        return;
      case 'comment.edited':
        this.views.get(d.post.id)?.update(d.post);
        return;
      case 'comment.deleted':
        if (d.parent_id !== this.rootId) return;
        this.views.get(d.post_id)?.el.remove();
        this.views.delete(d.post_id);
        this.root?.setComments(d.comment_count);
        return;
      case 'post.edited':
        if (d.post.id === this.rootId) this.root?.update(d.post);
        return;
      case 'post.deleted':
        if (d.post_id === this.rootId) {
          this.rootHolder.replaceChildren(h('p', { class: 'pad', role: 'alert', dataset: { testid: 'thread-missing' }, text: t('thread.deleted') }));
          this.list.replaceChildren();
          this.footer.replaceChildren();
        }
        return;
      case 'like.added':
      case 'like.removed': {
        const added = frame.kind === 'like.added';
        if (d.post_id === this.rootId) this.root?.setLikes(d.like_count, d.user_id, added);
        else this.views.get(d.post_id)?.setLikes(d.like_count, d.user_id, added);
        return;
      }
      default:
    }
  }

  nearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 160;
  }

  focus() {
    this.el.querySelector('#thread-title').focus(); // announced by screen readers, Tab reaches the rest
  }

  destroy() {
    this.composer?.destroy();
  }
}
