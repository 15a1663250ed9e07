// A list of posts on screen, kept in step with the channel's store: the
// timeline's posts (parentId null) or one post's comments (a thread's), in id
// order, with the person's pending posts or comments after them. The timeline
// and the thread panel each hold one; what surrounds it (scrolling, paging,
// the thread's post) is theirs. A marker (the timeline's "new since your last
// visit" divider) can sit above the first post from a given id on.
import { h } from '../dom.js';
import { discard, retry } from '../writes.js';
import { PendingView, PostView } from './post.js';

export class PostList {
  /**
   * @param store     the channel's ChannelStore
   * @param opts      {parentId: null for posts, a post id for its comments,
   *                   attrs: of the list element, onChange(),
   *                   onAdded({live, own}): a post, comment or pending write came in}
   */
  constructor(store, { parentId = null, attrs = {}, onAdded, onChange } = {}) {
    this.store = store;
    this.parentId = parentId;
    this.comment = parentId !== null;
    this.onAdded = onAdded ?? (() => {});
    this.onChange = onChange ?? (() => {});
    this.views = new Map(); // id -> PostView
    this.pendingViews = new Map(); // cid -> PendingView
    this.marker = null; // {el, fromId}
    this.el = h('div', attrs);
    const posts = store.posts;
    this.offs = [
      posts.on('added', ({ id, parentId: under, live }) => under === this.parentId && this.#added(id, live)),
      posts.on('changed', ({ id }) => this.views.get(id)?.refresh()),
      posts.on('removed', ({ id }) => this.#removed(id)),
      posts.on('pending', ({ parentId: under }) => under === this.parentId && this.#syncPending()),
    ];
  }

  /** The ids shown, from the store (the store's own array: read, never changed here). */
  ids() {
    const posts = this.store.posts;
    return (this.comment ? posts.commentIds.get(this.parentId) : posts.timelineIds) ?? [];
  }

  get size() {
    return this.views.size;
  }

  get pendingCount() {
    return this.pendingViews.size;
  }

  /** Everything again from the store (first draw, a new page, a thread loaded). */
  rebuild() {
    this.views.clear();
    const els = this.ids().map((id) => {
      const view = new PostView(this.store, id, { comment: this.comment });
      this.views.set(id, view);
      return view.el;
    });
    this.el.replaceChildren(...els, ...[...this.pendingViews.values()].map((v) => v.el));
    this.#placeMarker();
    this.#syncPending();
    this.onChange();
  }

  /**
   * Show `el` above the first post whose id is `fromId` or more, once the list
   * reaches back that far (no older page left that could hold such a post).
   */
  setMarker(el, fromId) {
    this.marker = { el, fromId };
    this.#placeMarker();
  }

  #placeMarker() {
    const marker = this.marker;
    if (!marker) return;
    const ids = this.ids();
    const first = ids.find((id) => id >= marker.fromId);
    const reaches = ids[0] < marker.fromId || !this.store.posts.before;
    const target = first === undefined || !reaches ? null : this.views.get(first)?.el;
    if (!target) marker.el.remove();
    else if (target.previousSibling !== marker.el) this.el.insertBefore(marker.el, target);
  }

  /** The person's rights changed: like buttons come or go. */
  rightsChanged() {
    for (const view of this.views.values()) view.rightsChanged();
  }

  #added(id, live) {
    if (this.views.has(id)) return;
    const view = new PostView(this.store, id, { comment: this.comment });
    this.views.set(id, view);
    const ids = this.ids();
    const next = ids[ids.indexOf(id) + 1];
    const before = this.views.get(next)?.el ?? this.pendingViews.values().next().value?.el ?? null;
    this.el.insertBefore(view.el, before);
    this.#placeMarker();
    this.onAdded({ live, own: this.store.posts.get(id)?.author.id === this.store.me });
    this.onChange();
  }

  #removed(id) {
    const view = this.views.get(id);
    if (!view) return;
    view.el.remove();
    this.views.delete(id);
    this.#placeMarker();
    this.onChange();
  }

  #syncPending() {
    const store = this.store;
    const pending = store.posts.pendingUnder(this.parentId);
    const wanted = new Set(pending.map((p) => p.cid));
    for (const [cid, view] of this.pendingViews) {
      if (!wanted.has(cid)) {
        view.el.remove();
        this.pendingViews.delete(cid);
      }
    }
    for (const p of pending) {
      let view = this.pendingViews.get(p.cid);
      if (view) {
        view.update(p);
        continue;
      }
      view = new PendingView(p, {
        onRetry: () => retry(store, p.cid),
        onDiscard: () => discard(store, p.cid),
      });
      this.pendingViews.set(p.cid, view);
      this.el.append(view.el); // after the posts and the earlier pending ones
      this.onAdded({ live: true, own: true });
    }
    this.onChange();
  }

  destroy() {
    for (const off of this.offs) off();
  }
}
