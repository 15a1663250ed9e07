// One post or comment on screen: author, department, time, body (the server's
// sanitised HTML), edited marker, like button and count (who liked on hover,
// focus or tap), comment count, and edit/delete for its author.
import { newCid } from '../api.js';
import { avatar, h } from '../dom.js';
import { icon } from '../icons.js';
import { formatFull, formatNumber, formatWhen, t } from '../i18n/index.js';
import { safeFragment } from '../safe_html.js';
import { app } from '../state.js';
import { errorText, toast } from './errors.js';
import { attachLikers } from './likers.js';
import { openProfile } from './profile.js';

const MAX_BODY = 10000;

export class PostView {
  /**
   * @param post  a Post from the API or an event
   * @param opts  {comment: true} for comments (no comment link)
   */
  constructor(post, opts = {}) {
    this.post = { ...post };
    this.opts = opts;
    this.editing = false;
    this.el = h('article', {
      class: opts.comment ? 'post comment' : 'post',
      dataset: { testid: opts.comment ? 'comment' : 'post', postId: String(post.id) },
      'aria-labelledby': `post-${post.id}-author`,
    });
    this.render();
  }

  get mine() {
    return this.post.author.id === app.me?.id;
  }

  get canChange() {
    return this.mine || app.me?.role === 'admin' || app.me?.role === 'moderator';
  }

  render() {
    const p = this.post;
    const head = h(
      'header',
      { class: 'post-head' },
      h('button', {
        class: 'author',
        id: `post-${p.id}-author`,
        dataset: { testid: 'post-author' },
        onclick: () => openProfile(p.author.id),
        text: p.author.display_name,
      }),
      p.author.department ? h('span', { class: 'dept', dataset: { testid: 'post-dept' }, text: p.author.department }) : null,
      this.timeLink(),
      p.edited_at
        ? h('span', {
            class: 'edited',
            dataset: { testid: 'edited' },
            title: formatFull(p.edited_at),
            text: t('post.edited'),
          })
        : null,
    );
    this.bodyEl = h('div', { class: 'post-body', dataset: { testid: 'post-body' } });
    this.bodyEl.append(safeFragment(p.html));
    this.actionsEl = h('footer', { class: 'post-actions' });
    this.renderActions();
    this.el.replaceChildren(
      avatar(p.author),
      h('div', { class: 'post-main' }, head, this.bodyEl, this.actionsEl),
    );
  }

  timeLink() {
    const p = this.post;
    const time = h('time', { datetime: p.created_at, title: formatFull(p.created_at), text: formatWhen(p.created_at) });
    if (this.opts.comment) return h('span', { class: 'time' }, time);
    return h('a', { class: 'time', href: `#/c/${p.channel_id}/p/${p.id}`, dataset: { testid: 'post-time' } }, time);
  }

  renderActions() {
    const p = this.post;
    this.likeButton = h(
      'button',
      {
        class: 'act like',
        'aria-pressed': String(!!p.liked_by_me),
        dataset: { testid: 'like-button' },
        onclick: () => this.toggleLike(),
      },
      icon('heart', { filled: !!p.liked_by_me }),
      h('span', { text: t('post.like') }),
    );
    this.likeCount = h('button', {
      class: 'act count',
      dataset: { testid: 'like-count' },
      'aria-label': t('post.likes', { count: p.like_count }),
      text: formatNumber(p.like_count),
    });
    attachLikers(this.likeCount, () => this.post);
    const parts = [this.likeButton, this.likeCount];
    if (!this.opts.comment) {
      parts.push(
        h(
          'a',
          { class: 'act comments', href: `#/c/${p.channel_id}/p/${p.id}`, dataset: { testid: 'comment-button' } },
          icon('comment'),
          h('span', { dataset: { testid: 'comment-count' }, text: t('post.comments', { count: p.comment_count }) }),
        ),
      );
    }
    if (this.canChange) {
      parts.push(
        h('span', { class: 'spacer' }),
        this.mine
          ? h('button', { class: 'act quiet', dataset: { testid: 'edit-button' }, onclick: () => this.startEdit(), text: t('post.edit') })
          : null,
        h('button', { class: 'act quiet', dataset: { testid: 'delete-button' }, onclick: () => this.confirmDelete(), text: t('post.delete') }),
      );
    }
    this.actionsEl.replaceChildren(...parts.filter(Boolean));
  }

  /**
   * A newer version of the post. Only history pages know `liked_by_me` for this
   * viewer (events and acks do not), so it is kept unless `fromPage`.
   */
  update(post, { fromPage = false } = {}) {
    const liked = this.post.liked_by_me;
    this.post = { ...this.post, ...post };
    if (!fromPage) this.post.liked_by_me = liked;
    if (!this.editing) this.render(); // never throw away what is being typed
  }

  get isEditing() {
    return this.editing;
  }

  setLikes(count, userId, added) {
    this.post.like_count = count;
    if (userId === app.me?.id) this.post.liked_by_me = added;
    this.likeCount.textContent = formatNumber(count);
    this.likeCount.setAttribute('aria-label', t('post.likes', { count }));
    this.likeButton.setAttribute('aria-pressed', String(!!this.post.liked_by_me));
    this.likeButton.querySelector('svg').setAttribute('fill', this.post.liked_by_me ? 'currentColor' : 'none');
  }

  setComments(count) {
    this.post.comment_count = count;
    const el = this.actionsEl.querySelector('[data-testid="comment-count"]');
    if (el) el.textContent = t('post.comments', { count });
  }

  async toggleLike() {
    const liked = !this.post.liked_by_me;
    const before = this.post.like_count;
    this.setLikes(Math.max(0, before + (liked ? 1 : -1)), app.me.id, liked); // shown at once
    try {
      await app.conn.write({ op: liked ? 'like' : 'unlike', post: this.post.id, cid: newCid() });
    } catch (err) {
      this.setLikes(before, app.me.id, !liked);
      toast(errorText(err));
    }
  }

  startEdit() {
    this.editing = true;
    const input = h('textarea', {
      class: 'edit-input',
      rows: '3',
      maxlength: String(MAX_BODY),
      'aria-label': t('post.editLabel'),
      dataset: { testid: 'edit-input' },
      value: this.post.body,
    });
    const cid = newCid();
    const save = async () => {
      const body = input.value.trim();
      if (!body) return;
      if (body === this.post.body) return cancel();
      saveButton.disabled = true;
      try {
        const ack = await app.conn.write({ op: 'edit', post: this.post.id, body, cid });
        this.editing = false;
        this.update(ack.post ?? {});
      } catch (err) {
        saveButton.disabled = false;
        toast(errorText(err));
      }
    };
    const cancel = () => {
      this.editing = false;
      this.render();
    };
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') cancel();
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && !ev.isComposing) save();
    });
    const saveButton = h('button', { class: 'btn primary small', dataset: { testid: 'edit-save' }, onclick: save, text: t('common.save') });
    this.bodyEl.replaceChildren(
      input,
      h('div', { class: 'row gap' }, saveButton, h('button', { class: 'btn small', onclick: cancel, text: t('common.cancel') })),
    );
    this.actionsEl.hidden = true;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  confirmDelete() {
    const cid = newCid();
    const yes = h('button', {
      class: 'btn danger small',
      dataset: { testid: 'delete-confirm' },
      text: t('post.delete'),
      onclick: async () => {
        yes.disabled = true;
        try {
          await app.conn.write({ op: 'delete', post: this.post.id, cid });
          this.el.remove();
        } catch (err) {
          toast(errorText(err));
          this.renderActions();
        }
      },
    });
    const no = h('button', { class: 'btn small', text: t('common.cancel'), onclick: () => this.renderActions() });
    this.actionsEl.replaceChildren(
      h('span', { class: 'confirm-text', role: 'alert', text: this.opts.comment ? t('post.deleteCommentQ') : t('post.deleteQ') }),
      yes,
      no,
    );
    no.focus();
  }
}

/** A post on its way to the server: the text as typed, "sending", or "not sent" with Retry. */
export class PendingView {
  constructor({ body, onRetry, onDiscard }) {
    this.body = body;
    this.status = h('span', { class: 'pending-status', role: 'status' });
    this.actions = h('span', { class: 'row gap' });
    this.onRetry = onRetry;
    this.onDiscard = onDiscard;
    this.el = h(
      'article',
      { class: 'post pending', dataset: { testid: 'pending-post' } },
      avatar(app.me),
      h(
        'div',
        { class: 'post-main' },
        h('header', { class: 'post-head' }, h('span', { class: 'author', text: app.me.display_name }), this.status),
        h('div', { class: 'post-body plain', text: body }),
        h('footer', { class: 'post-actions' }, this.actions),
      ),
    );
    this.sending();
  }

  sending() {
    this.el.classList.remove('failed');
    this.el.dataset.state = 'sending';
    this.status.textContent = t('post.sending');
    this.actions.replaceChildren();
  }

  failed(message) {
    this.el.classList.add('failed');
    this.el.dataset.state = 'failed';
    this.status.textContent = `${t('post.notSent')} ${message ?? ''}`.trim();
    this.actions.replaceChildren(
      h('button', { class: 'btn small primary', dataset: { testid: 'retry-button' }, onclick: this.onRetry, text: t('common.retry') }),
      h('button', { class: 'btn small', onclick: this.onDiscard, text: t('post.discard') }),
    );
  }
}
