// The thread panel (#/c/<channel>/p/<post>): a post and its comments, drawn
// from the channel's store and kept in step with it (comments, edits, likes
// and deletes arrive there as events), with a comment composer when the
// person may comment (the channel's can_comment); files dropped on the panel
// go to that composer.
import { get } from '../api.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { sendComment } from '../writes.js';
import { dropTarget } from './attachments.js';
import { composer } from './composer.js';
import { errorText } from './errors.js';
import { termsBar } from './terms_prompt.js';
import { PostView } from './post.js';
import { PostList } from './post_list.js';

const NEAR_BOTTOM_PX = 160;

export class ThreadPanel {
  /**
   * @param store   the channel's ChannelStore
   * @param postId  the post (or one of its comments) from the URL
   */
  constructor(store, postId, { onClose }) {
    this.store = store;
    this.postId = postId;
    this.rootId = null; // the post's id, once loaded (the URL may name a comment)
    this.root = null; // its PostView
    this.list = null; // its comments' PostList
    this.composer = null;
    this.canComment = null;
    this.rootHolder = h('div', { class: 'thread-root' });
    this.listHolder = h('div', { class: 'comments', role: 'log', 'aria-label': t('thread.comments'), dataset: { testid: 'comments' } });
    this.footer = h('div', { class: 'thread-footer' });
    this.closeButton = h('button', { class: 'icon-btn', 'aria-label': t('thread.close'), dataset: { testid: 'thread-close' }, onclick: onClose }, icon('close'));
    this.scroller = h('div', { class: 'panel-scroll', dataset: { testid: 'thread-scroll' } }, this.rootHolder, this.listHolder);
    this.el = h(
      'aside',
      { class: 'side-panel thread-panel', 'aria-labelledby': 'thread-title', dataset: { testid: 'thread-panel' } },
      h('div', { class: 'panel-head' }, h('h2', { id: 'thread-title', tabindex: '-1', text: t('thread.title') }), this.closeButton),
      this.scroller,
      this.footer,
    );
    this.el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !ev.defaultPrevented && !ev.target.closest('textarea, dialog')) onClose();
    });
    this.undrop = dropTarget(this.el, {
      label: t('files.dropComment'),
      enabled: () => !!this.composer,
      onFiles: (files) => {
        this.composer?.addFiles(files);
        this.composer?.focus();
      },
    });
    this.offs = [
      store.posts.on('changed', ({ id }) => id === this.rootId && this.rootChanged()),
      store.posts.on('removed', ({ id }) => id === this.rootId && this.deleted()),
      store.posts.on('reset', () => this.rootId !== null && this.load()), // threads were dropped: load again
      store.on('rights', () => this.rightsChanged()),
      app.on('terms', () => this.renderFooter()),
    ];
  }

  async load() {
    if (!this.root) this.rootHolder.replaceChildren(h('p', { class: 'muted pad', text: t('common.loading') }));
    let thread;
    try {
      thread = await get(`/api/posts/${this.postId}`);
    } catch (err) {
      if (this.offs === null) return;
      this.clear();
      this.rootHolder.replaceChildren(
        h('p', { class: 'pad', role: 'alert', dataset: { testid: 'thread-missing' }, text: err.code === 'not_found' ? t('thread.missing') : errorText(err) }),
      );
      return;
    }
    if (this.offs === null) return; // closed meanwhile
    this.clear();
    this.rootId = thread.post.id;
    this.store.posts.setThread(thread);
    this.root = new PostView(this.store, this.rootId);
    this.root.el.classList.add('root');
    this.rootHolder.replaceChildren(this.root.el);
    this.list = new PostList(this.store, {
      parentId: this.rootId,
      attrs: { class: 'comment-list' },
      onAdded: ({ live, own }) => live && (own || this.nearBottom()) && this.scrollToBottom(),
    });
    this.list.rebuild();
    this.listHolder.replaceChildren(this.list.el);
    this.renderFooter();
    this.scrollToBottom();
  }

  /** The post changed; a question's answer marked or unmarked redraws its comments. */
  rootChanged() {
    const before = this.root?.shown?.question;
    this.root?.refresh();
    const now = this.store.posts.get(this.rootId)?.question;
    if (this.list && (before?.answer_id ?? null) !== (now?.answer_id ?? null)) this.list.rebuild();
  }

  clear() {
    this.list?.destroy();
    this.list = null;
    this.root = null;
    this.listHolder.replaceChildren();
    this.composer?.destroy();
    this.composer = null;
    this.canComment = null;
    this.footer.replaceChildren();
  }

  /** The post was deleted (here, in the timeline, or elsewhere): say so. */
  deleted() {
    this.clear();
    this.rootHolder.replaceChildren(h('p', { class: 'pad', role: 'alert', dataset: { testid: 'thread-missing' }, text: t('thread.deleted') }));
  }

  rightsChanged() {
    if (!this.list) return;
    this.root?.rightsChanged();
    this.list.rightsChanged();
    this.renderFooter();
  }

  /** The comment composer if the person may comment, else why not. */
  renderFooter() {
    const channel = this.store.channel;
    // Terms of use not accepted yet: a bar instead of the composer (web/terms.js).
    const canComment = channel?.can_comment ? (app.terms.needed ? 'terms' : true) : false;
    if (canComment === this.canComment) return;
    this.canComment = canComment;
    this.composer?.destroy();
    this.composer = null;
    if (canComment === 'terms') {
      this.footer.replaceChildren(termsBar('thread-terms-bar'));
      return;
    }
    if (!canComment) {
      const why = channel?.can_join ? t('thread.joinToComment') : t('thread.readOnly');
      this.footer.replaceChildren(h('p', { class: 'muted small pad', dataset: { testid: 'thread-read-only' }, text: why }));
      return;
    }
    const rootId = this.rootId;
    this.composer = composer({
      draftKey: `draft:p${rootId}`,
      label: t('thread.commentLabel'),
      placeholder: t('thread.commentPlaceholder'),
      testid: 'comment-composer',
      onSend: (body, files, opts) => sendComment(this.store, rootId, body, files, opts),
      channel: () => this.store.channel,
    });
    this.footer.replaceChildren(this.composer.el);
  }

  nearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  focus() {
    this.el.querySelector('#thread-title').focus(); // announced by screen readers, Tab reaches the rest
  }

  destroy() {
    for (const off of this.offs ?? []) off();
    this.offs = null;
    this.undrop();
    this.clear();
    if (this.rootId !== null) this.store.posts.dropThread(this.rootId);
  }
}
