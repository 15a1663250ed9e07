// One post or comment on screen, drawn from the channel's store (web/posts.js):
// author with the reading of their name and department (two people of one
// name are told apart), time, body (the server's sanitised HTML; a long one
// folded, with "Read more"), its files (views/attachments.js), edited marker,
// like button and count (who liked on hover, focus or tap), comment count, and
// edit/delete for its author (an edit changes the text and the files). The
// timeline and the thread may both show the same post; each has its PostView,
// and both refresh from the store.
// Also the view of a pending write (PendingView).
import { del, newCid, put } from '../api.js';
import { avatar, h, setChildren, uniqueId } from '../dom.js';
import { icon } from '../icons.js';
import { formatFull, formatNumber, formatWhen, t } from '../i18n/index.js';
import { safeFragment } from '../safe_html.js';
import { app } from '../state.js';
import { UploadSet } from '../uploads.js';
import { deletePost, editPost, toggleLike } from '../writes.js';
import { attachButton, dropTarget, pastedFiles, postFiles, uploadTiles } from './attachments.js';
import { errorText, toast } from './errors.js';
import { attachLikers } from './likers.js';
import { overLimitWarning } from './limit.js';
import { newcomerBadge } from './newcomer_badge.js';
import { PollBox } from './poll.js';
import { openProfile } from './profile.js';
import { reportForm } from './report.js';

// A body longer than this (characters or lines) is drawn folded, if it is
// taller than the fold once on screen (style.css: .post-body.folded).
const FOLD_CHARS = 1200;
const FOLD_LINES = 16;

/** The ids of a post's files, as one string: did they change? */
const filesKey = (p) => (p?.files ?? []).map((f) => f.id).join(' ');

export class PostView {
  /**
   * @param store  the channel's ChannelStore
   * @param id     the post's (or comment's) id in store.posts
   * @param opts   {comment: true} for comments (no comment link)
   */
  constructor(store, id, opts = {}) {
    this.store = store;
    this.id = id;
    this.opts = opts;
    this.editing = false;
    this.expanded = false; // a long body unfolded by the reader (kept across redraws)
    this.shown = null; // the post as last drawn
    this.authorId = uniqueId('author'); // the same post may be on screen twice (timeline, thread)
    this.el = h('article', {
      class: opts.comment ? 'post comment' : 'post',
      dataset: { testid: opts.comment ? 'comment' : 'post', postId: String(id) },
      'aria-labelledby': this.authorId,
    });
    this.render();
  }

  get post() {
    return this.store.posts.get(this.id) ?? this.shown;
  }

  get mine() {
    // An anonymous post names nobody; one's own reads say it is one's own.
    return this.post.author.id === app.me?.id || !!this.post.mine;
  }

  /** The question this comment answers (its post's), if its post is one. */
  get rootQuestion() {
    const p = this.post;
    if (!this.opts.comment || !p.parent_id) return null;
    const root = this.store.posts.get(p.parent_id);
    return root?.question ? root : null;
  }

  /** May one mark this comment as its question's answer (the server decides in the end)? */
  get canResolve() {
    const root = this.rootQuestion;
    if (!root || this.store.channel?.archived) return false;
    const role = app.me?.role;
    return root.mine || root.author.id === app.me?.id || role === 'admin' || role === 'moderator' || (!root.question.anonymous && (app.mentees ?? new Set()).has(root.author.id));
  }

  get canChange() {
    return this.mine || app.me?.role === 'admin' || app.me?.role === 'moderator';
  }

  get canReact() {
    return !!this.store.channel?.can_react;
  }

  /** Draw the post again from the store, or only its counts when nothing else changed. */
  refresh() {
    const p = this.post;
    const old = this.shown;
    if (!p || p === old) return;
    const same = (key) => p[key] === old[key];
    const unchanged = same('html') && same('edited_at') && same('body') && same('hidden') && same('question') && filesKey(p) === filesKey(old);
    // A poll's bars move in place (keeping focus on its buttons); one that
    // came or went (a post brought back) draws the post again.
    const pollInPlace = !!p.poll === !!this.pollBox;
    if (this.editing || (unchanged && pollInPlace && p.edited_by?.id === old.edited_by?.id)) {
      this.shown = p;
      this.renderCounts(); // in place: keeps focus on the like button
      if (p.poll !== old.poll) this.pollBox?.update();
      return;
    }
    this.render();
  }

  /** Rights changed (joined or left): the actions again. */
  rightsChanged() {
    if (!this.editing) this.renderActions();
    this.pollBox?.update();
  }

  render() {
    const p = this.post;
    this.shown = p;
    const anonymous = !!p.author.anonymous;
    const head = h(
      'header',
      { class: 'post-head' },
      anonymous
        ? h('span', { class: 'author anonymous', id: this.authorId, dataset: { testid: 'post-author' }, text: t('question.anonymous') })
        : h('button', {
            class: 'author',
            id: this.authorId,
            dataset: { testid: 'post-author' },
            onclick: () => openProfile(p.author.id),
            text: p.author.display_name,
          }),
      anonymous && p.mine ? h('span', { class: 'muted small', dataset: { testid: 'asked-anonymously' }, text: t('question.youAskedAnonymously') }) : null,
      p.anonymous_author ? h('span', { class: 'muted small', dataset: { testid: 'anonymous-author' }, text: t('question.askedBy', { name: p.anonymous_author.display_name }) }) : null,
      p.question ? h('span', { class: `q-state q-${p.question.state}`, dataset: { testid: 'question-state', state: p.question.state }, text: t(`question.state.${p.question.state}`) }) : null,
      p.author.reading ? h('span', { class: 'reading', dataset: { testid: 'post-reading' }, text: p.author.reading }) : null,
      p.author.department ? h('span', { class: 'dept', dataset: { testid: 'post-dept' }, text: p.author.department }) : null,
      anonymous ? null : newcomerBadge(p.author),
      this.timeLink(),
      p.edited_at
        ? h('span', {
            class: 'edited',
            dataset: { testid: 'edited' },
            title: formatFull(p.edited_at),
            // A moderator's edit says who made it.
            text: p.edited_by ? t('post.editedBy', { name: p.edited_by.display_name }) : t('post.edited'),
          })
        : null,
    );
    // Hidden by a moderator: only its author still sees it, marked, with why.
    const hiddenNote =
      p.hidden != null
        ? h('p', {
            class: 'hidden-note',
            role: 'note',
            dataset: { testid: 'hidden-note' },
            text: p.hidden ? t('post.hiddenWhy', { reason: p.hidden }) : t('post.hidden'),
          })
        : null;
    this.el.classList.toggle('is-hidden', p.hidden != null);
    this.bodyEl = h('div', { class: 'post-body', id: uniqueId('body'), dataset: { testid: 'post-body' } });
    this.bodyEl.append(safeFragment(p.html));
    this.bodyEl.hidden = !p.body; // files alone
    this.filesEl = postFiles(p.files);
    this.pollBox?.destroy();
    this.pollBox =
      p.poll && !this.opts.comment
        ? new PollBox(this.store, this.id, () => ({ vote: this.canReact && p.hidden == null, close: this.canChange && !this.store.channel?.archived }))
        : null;
    this.actionsEl = h('footer', { class: 'post-actions' });
    this.renderActions();
    const root = this.rootQuestion;
    const accepted = !!root && root.question.answer_id === p.id;
    this.el.classList.toggle('accepted', accepted);
    // setChildren: replaceChildren would write "null" for a post that is no accepted answer.
    setChildren(
      this.el,
      avatar(anonymous ? { id: 0, display_name: t('question.anonymous') } : p.author),
      accepted ? h('span', { class: 'accepted-label', dataset: { testid: 'accepted-answer' }, text: t('question.accepted') }) : null,
      h('div', { class: 'post-main' }, head, hiddenNote, this.bodyEl, this.foldButton(p), this.pollBox?.el, this.filesEl, this.actionsEl),
    );
  }

  /** For a long body: fold it, and a button to unfold (and fold again). */
  foldButton(p) {
    const lines = p.body.split('\n', FOLD_LINES + 2).length;
    if (p.body.length <= FOLD_CHARS && lines <= FOLD_LINES) return null;
    const body = this.bodyEl;
    const button = h('button', {
      type: 'button',
      class: 'link-btn read-more',
      'aria-controls': body.id,
      dataset: { testid: 'read-more' },
      onclick: () => {
        this.expanded = !this.expanded;
        show();
      },
    });
    const show = () => {
      body.classList.toggle('folded', !this.expanded);
      button.setAttribute('aria-expanded', String(this.expanded));
      button.textContent = this.expanded ? t('post.showLess') : t('post.readMore');
    };
    show();
    // Wide screens fit more of it: once drawn, a body shorter than the fold needs no button.
    requestAnimationFrame(() => {
      if (!this.expanded && body.isConnected && body.scrollHeight <= body.clientHeight + 1) {
        body.classList.remove('folded');
        button.remove();
      }
    });
    return button;
  }

  timeLink() {
    const p = this.post;
    const time = h('time', { datetime: p.created_at, title: formatFull(p.created_at), text: formatWhen(p.created_at) });
    if (this.opts.comment) return h('span', { class: 'time' }, time);
    return h('a', { class: 'time', href: `#/c/${p.channel_id}/p/${p.id}`, dataset: { testid: 'post-time' } }, time);
  }

  renderActions() {
    const p = this.post;
    this.actionsEl.hidden = false;
    this.likeButton = this.canReact
      ? h(
          'button',
          { class: 'act like', dataset: { testid: 'like-button' }, onclick: () => this.toggleLike() },
          icon('heart'),
          h('span', { text: t('post.like') }),
        )
      : h('span', { class: 'act like static' }, icon('heart')); // may not like here: the count alone
    this.likeCount = h('button', { class: 'act count', dataset: { testid: 'like-count' } });
    attachLikers(this.likeCount, () => this.post);
    const parts = [this.likeButton, this.likeCount];
    if (!this.opts.comment) {
      this.commentCount = h('span', { dataset: { testid: 'comment-count' } });
      parts.push(
        h(
          'a',
          { class: 'act comments', href: `#/c/${p.channel_id}/p/${p.id}`, dataset: { testid: 'comment-button' } },
          icon('comment'),
          this.commentCount,
        ),
      );
    }
    if (this.canResolve) {
      const root = this.rootQuestion;
      const marked = root.question.answer_id === p.id;
      if (marked || root.question.answer_id == null) {
        parts.push(
          h('button', {
            class: 'act quiet',
            dataset: { testid: marked ? 'unmark-answer' : 'mark-answer' },
            onclick: () => this.markAnswer(root.id, marked),
            text: marked ? t('question.unmark') : t('question.mark'),
          }),
        );
      }
    }
    parts.push(h('span', { class: 'spacer' }));
    if (!this.mine) {
      // Anyone may report what they can see (never their own): moderators decide.
      parts.push(
        h('button', { class: 'act quiet', dataset: { testid: 'report-button' }, onclick: () => this.startReport(), text: t('report.action') }),
      );
    }
    if (this.canChange) {
      parts.push(
        this.mine
          ? h('button', { class: 'act quiet', dataset: { testid: 'edit-button' }, onclick: () => this.startEdit(), text: t('post.edit') })
          : null,
        h('button', { class: 'act quiet', dataset: { testid: 'delete-button' }, onclick: () => this.confirmDelete(), text: t('post.delete') }),
      );
    }
    this.actionsEl.replaceChildren(...parts.filter(Boolean));
    this.renderCounts();
  }

  renderCounts() {
    const p = this.post;
    this.likeCount.textContent = formatNumber(p.like_count);
    this.likeCount.setAttribute('aria-label', t('post.likes', { count: p.like_count }));
    if (this.canReact) this.likeButton.setAttribute('aria-pressed', String(!!p.liked_by_me));
    this.likeButton.querySelector('svg').setAttribute('fill', p.liked_by_me ? 'currentColor' : 'none');
    if (this.commentCount) this.commentCount.textContent = t('post.comments', { count: p.comment_count });
  }

  async markAnswer(rootId, marked) {
    try {
      if (marked) await del(`/api/posts/${rootId}/answer?cid=${newCid()}`);
      else await put(`/api/posts/${rootId}/answer`, { answer_id: this.id, cid: newCid() });
    } catch (err) {
      toast(errorText(err));
    }
  }

  async toggleLike() {
    try {
      await toggleLike(this.store, this.id);
    } catch (err) {
      toast(errorText(err));
    }
  }

  startEdit() {
    this.editing = true;
    const original = this.post;
    const input = h('textarea', {
      class: 'edit-input',
      rows: '3',
      'aria-label': t('post.editLabel'),
      dataset: { testid: 'edit-input' },
      value: original.body,
    });
    const cid = newCid();
    const limit = overLimitWarning(input, 'edit-too-long');
    // The post's files, each removable, and new ones uploading beside them.
    const uploads = new UploadSet({ kept: original.files ?? [] });
    const tiles = uploadTiles(uploads, { testid: 'edit' });
    const attach = attachButton({ testid: 'edit', onFiles: (files) => addFiles(files) });
    const note = h('p', { class: 'composer-note alert', role: 'alert', hidden: true, dataset: { testid: 'edit-note' } });
    const say = (text, kind = '') => {
      note.textContent = text ?? '';
      note.hidden = !text;
      note.dataset.kind = kind; // 'blocked': goes once no file has failed
    };
    const addFiles = (files) => {
      const left = uploads.add(files);
      say(left > 0 ? t('files.tooMany', { max: uploads.max, count: left }) : '');
    };
    const refresh = () => {
      const empty = input.value.trim() === '' && uploads.size === 0;
      // Saving waits for the uploads: the button says so meanwhile.
      saveButton.disabled = limit.check() > 0 || uploads.busy || empty;
      saveButton.textContent = uploads.busy ? t('files.uploadingShort') : t('common.save');
      if (!uploads.blocked && note.dataset.kind === 'blocked') say('');
    };
    input.addEventListener('input', refresh);
    input.addEventListener('paste', (ev) => {
      const files = pastedFiles(ev);
      if (!files.length) return;
      ev.preventDefault();
      addFiles(files);
    });
    const save = async () => {
      const body = input.value.trim();
      if (limit.check() > 0 || uploads.busy) return;
      if (uploads.blocked) {
        say(t('files.fixFailed'), 'blocked');
        return;
      }
      const files = uploads.refs.map((f) => f.id);
      if (!body && !files.length) return;
      const change = {};
      if (body !== this.post.body) change.body = body;
      if (files.join(' ') !== filesKey(this.post)) change.files = files;
      if (!Object.keys(change).length) return cancel();
      saveButton.disabled = true;
      try {
        await editPost(this.store, this.id, change, cid);
        cancel();
      } catch (err) {
        saveButton.disabled = false;
        toast(errorText(err));
      }
    };
    const offUploads = uploads.on('change', refresh);
    const undrop = dropTarget(this.el, { label: t('files.dropEdit'), onFiles: addFiles });
    const cancel = () => {
      offUploads();
      undrop();
      tiles.destroy();
      uploads.destroy();
      this.editing = false;
      this.render();
    };
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') cancel();
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && !ev.isComposing) save();
    });
    const saveButton = h('button', { class: 'btn primary small', dataset: { testid: 'edit-save' }, onclick: save, text: t('common.save') });
    this.el.querySelector('.read-more')?.remove();
    this.filesEl?.remove();
    this.bodyEl.hidden = false;
    this.bodyEl.classList.remove('folded');
    this.bodyEl.replaceChildren(
      input,
      limit.el,
      tiles.el,
      note,
      h(
        'div',
        { class: 'row gap' },
        saveButton,
        h('button', { class: 'btn small', onclick: cancel, text: t('common.cancel') }),
        h('span', { class: 'spacer' }),
        attach.el,
      ),
    );
    this.actionsEl.hidden = true;
    refresh();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  startReport() {
    const form = reportForm({ post_id: this.id }, { onDone: () => this.renderActions() });
    this.actionsEl.replaceChildren(form.el);
    form.focus();
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
          await deletePost(this.store, this.id, cid); // the store drops it, and the views with it
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

/**
 * A post or comment on its way to the server: the text as typed, "sending", or
 * "not sent" with Retry and Discard. update(pending) shows the store's state.
 */
export class PendingView {
  constructor(pending, { onRetry, onDiscard }) {
    this.status = h('span', { class: 'pending-status', role: 'status' });
    this.actions = h('span', { class: 'row gap' });
    this.onRetry = onRetry;
    this.onDiscard = onDiscard;
    this.el = h(
      'article',
      { class: 'post pending', dataset: { testid: 'pending-post', cid: pending.cid } },
      avatar(app.me),
      h(
        'div',
        { class: 'post-main' },
        h('header', { class: 'post-head' }, h('span', { class: 'author', text: app.me.display_name }), this.status),
        h('div', { class: 'post-body plain', hidden: !pending.body, text: pending.body }),
        postFiles(pending.files),
        h('footer', { class: 'post-actions' }, this.actions),
      ),
    );
    this.state = null;
    this.update(pending);
  }

  update(pending) {
    if (pending.state === this.state) return;
    this.state = pending.state;
    this.el.dataset.state = pending.state;
    if (pending.state === 'failed') {
      this.el.classList.add('failed');
      this.status.textContent = `${t('post.notSent')} ${errorText(pending.error)}`.trim();
      this.actions.replaceChildren(
        h('button', { class: 'btn small primary', dataset: { testid: 'retry-button' }, onclick: this.onRetry, text: t('common.retry') }),
        h('button', { class: 'btn small', onclick: this.onDiscard, text: t('post.discard') }),
      );
    } else {
      this.el.classList.remove('failed');
      this.status.textContent = t('post.sending');
      this.actions.replaceChildren();
    }
  }
}
