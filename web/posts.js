// The posts of one open channel, as every view of it shows them: the timeline
// and the thread panel render from here and listen here, so a like, an edit or
// a delete seen in one shows in the other without either applying events.
//
// It owns: posts and comments by id; which top-level posts the timeline has
// loaded (ids, oldest first, and the `before` of the next older page); the
// comments of each loaded thread (by parent id, oldest first); like state and
// comment counts (fields of the posts); and the person's writes still waiting
// for the server (pending, by client id `cid`).
// It does no I/O and knows no DOM: event frames reach it through web/kinds/,
// the person's writes and their acks through web/writes.js.
//
// Events (payloads are ids; read the data with get()):
//   reset    the timeline was replaced by a new newest page (first load, or the
//            server could not replay what was missed); threads load again
//   added    {id, parentId, live}: a post (parentId null) or a comment entered;
//            live: it was just written (an event or an ack), not a page
//   changed  {id}: a post's or comment's fields changed (edit, likes, comment count)
//   removed  {id, parentId}: deleted (a post's comments go with it)
//   pending  {cid, parentId}: a pending write was added, changed state, or left
import { Emitter } from './emitter.js';

/** Where `id` goes in an ascending array of ids (binary search). */
function slot(ids, id) {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertId(ids, id) {
  const at = slot(ids, id);
  if (ids[at] === id) return false;
  ids.splice(at, 0, id);
  return true;
}

function removeId(ids, id) {
  const at = slot(ids, id);
  if (ids[at] !== id) return false;
  ids.splice(at, 1);
  return true;
}

export class PostStore extends Emitter {
  /** @param me  the signed-in person's id (whose likes set liked_by_me, whose cids are ours) */
  constructor({ me }) {
    super();
    this.me = me;
    this.byId = new Map(); // id -> post or comment (replaced, never mutated, on change)
    this.timelineIds = []; // top-level posts loaded into the timeline, ascending
    this.before = null; // ?before= of the next older page; null when the start is loaded
    this.loaded = false; // a first page has been set
    this.commentIds = new Map(); // parent id -> its comments' ids, ascending (loaded threads only)
    this.pending = new Map(); // cid -> {cid, channelId, parentId, body, files, state, error}
  }

  // ---- reading -------------------------------------------------------------------

  get(id) {
    return this.byId.get(id);
  }

  /** The timeline's posts, oldest first. */
  timeline() {
    return this.timelineIds.map((id) => this.byId.get(id));
  }

  /** A loaded thread's comments, oldest first (null if that thread is not loaded). */
  comments(parentId) {
    const ids = this.commentIds.get(parentId);
    return ids ? ids.map((id) => this.byId.get(id)) : null;
  }

  /** Pending writes under `parentId` (null: posts), in the order they were written. */
  pendingUnder(parentId) {
    return [...this.pending.values()].filter((p) => p.parentId === parentId);
  }

  // ---- pages (from HTTP) -----------------------------------------------------------

  /** The newest page, replacing the timeline; loaded threads are dropped (they reload). */
  setPage(page) {
    this.byId.clear();
    this.commentIds.clear();
    this.timelineIds = [];
    for (const post of page.posts) {
      this.byId.set(post.id, { ...post });
      insertId(this.timelineIds, post.id);
    }
    this.before = page.before;
    this.loaded = true;
    this.emit('reset');
  }

  /** An older page, added at the top of the timeline. */
  addOlder(page) {
    for (const post of page.posts) this.#enter(post, { fromPage: true, live: false });
    this.before = page.before;
  }

  /** A thread as GET /api/posts/{id} answers: its post and all its comments. */
  setThread({ post, comments }) {
    const known = this.byId.has(post.id);
    this.#merge(post, { fromPage: true });
    for (const id of this.commentIds.get(post.id) ?? []) this.byId.delete(id);
    const ids = [];
    for (const c of comments) {
      this.#merge(c, { fromPage: true });
      insertId(ids, c.id);
    }
    this.commentIds.set(post.id, ids);
    if (known) this.emit('changed', { id: post.id }); // the timeline may show it too
  }

  /** A thread is no longer shown: forget its comments (and its post, unless in the timeline). */
  dropThread(parentId) {
    for (const id of this.commentIds.get(parentId) ?? []) this.byId.delete(id);
    this.commentIds.delete(parentId);
    if (!this.timelineIds.includes(parentId)) this.byId.delete(parentId);
  }

  // ---- changes (from events and acks) ----------------------------------------------

  /**
   * A post or comment was written (its event, or the ack of one's own write).
   * Idempotent: the event and the ack of a write both arrive, in either order.
   * `cid` settles the person's own pending write of that id, and only that one
   * (two pending writes with the same text stay apart).
   */
  created(post, { cid = null } = {}) {
    // An anonymous question (or its asker's comment) names nobody: its cid is
    // still the writer's own.
    if (cid && (post.author?.id === this.me || post.author?.anonymous)) this.settle(cid);
    this.#enter(post, { fromPage: false, live: true });
  }

  /** A newer version of a post or comment (edited), if it is shown. */
  put(post, { fromPage = false } = {}) {
    if (!this.byId.has(post.id)) return;
    this.#merge(post, { fromPage });
    this.emit('changed', { id: post.id });
  }

  /** A post or comment was deleted; a post's comments go with it. */
  removed(id) {
    const post = this.byId.get(id);
    if (!post) return;
    const parentId = post.parent_id ?? null;
    this.byId.delete(id);
    if (parentId === null) removeId(this.timelineIds, id);
    else removeId(this.commentIds.get(parentId) ?? [], id);
    for (const c of this.commentIds.get(id) ?? []) this.byId.delete(c);
    this.commentIds.delete(id);
    this.emit('removed', { id, parentId });
  }

  /** Someone liked or unliked a post or comment; one's own like sets liked_by_me. */
  liked(id, { userId, count, added }) {
    const post = this.byId.get(id);
    if (!post) return;
    const next = { ...post, like_count: count };
    if (userId === this.me) next.liked_by_me = added;
    this.byId.set(id, next);
    this.emit('changed', { id });
  }

  /** A question's state and accepted answer, as its question.updated event says. */
  question(id, question) {
    const post = this.byId.get(id);
    if (!post) return;
    this.byId.set(id, { ...post, question });
    this.emit('changed', { id });
  }

  /**
   * A poll's results, as its poll.voted / poll.closed event (no `mine`) or
   * one's own vote's answer (with `mine`) says; null (its post went) is ignored.
   */
  poll(id, poll) {
    const post = this.byId.get(id);
    if (!post || !poll) return;
    this.byId.set(id, { ...post, poll: this.#withMine(poll, post.poll) });
    this.emit('changed', { id });
  }

  /** One's own choices: from the poll if it says, else a named poll's voters, else as before. */
  #withMine(poll, old) {
    if (!poll || Array.isArray(poll.mine)) return poll;
    const mine = poll.anonymous
      ? (old?.mine ?? [])
      : poll.options.filter((o) => o.voters?.some((v) => v.id === this.me)).map((o) => o.id);
    return { ...poll, mine };
  }

  /** A post's comment count, as its comment.created / comment.deleted event says. */
  counted(id, commentCount) {
    const post = this.byId.get(id);
    if (!post || post.comment_count === commentCount) return;
    this.byId.set(id, { ...post, comment_count: commentCount });
    this.emit('changed', { id });
  }

  // ---- pending writes ----------------------------------------------------------------

  /** A post (parentId null) or comment on its way: shown at once as "sending". */
  addPending({ cid, channelId, parentId = null, body, files = [], ask = {} }) {
    this.pending.set(cid, { cid, channelId, parentId, body, files, ask, state: 'sending', error: null });
    this.emit('pending', { cid, parentId });
  }

  /** A pending write's state: 'sending' (again), or 'failed' with the error. */
  pendingState(cid, state, error = null) {
    const p = this.pending.get(cid);
    if (!p) return;
    this.pending.set(cid, { ...p, state, error });
    this.emit('pending', { cid, parentId: p.parentId });
  }

  /** The write is done (acknowledged, its event seen) or discarded. */
  settle(cid) {
    const p = this.pending.get(cid);
    if (!p) return;
    this.pending.delete(cid);
    this.emit('pending', { cid, parentId: p.parentId });
  }

  // ---- inside -------------------------------------------------------------------------

  /**
   * Keep the newest fields of a post. Only pages (history, thread) know
   * `liked_by_me` for this viewer; events and acks do not, so theirs is ignored.
   */
  #merge(post, { fromPage }) {
    const old = this.byId.get(post.id);
    const next = { ...old, ...post };
    if (!fromPage) next.liked_by_me = old?.liked_by_me ?? false;
    // Only one's own reads say an anonymous post is one's own.
    next.mine = post.mine || old?.mine || false;
    if (next.poll) next.poll = this.#withMine(next.poll, old?.poll);
    this.byId.set(post.id, next);
  }

  #enter(post, { fromPage, live }) {
    const parentId = post.parent_id ?? null;
    let ids;
    if (parentId === null) ids = this.loaded ? this.timelineIds : null;
    else ids = this.commentIds.get(parentId) ?? null;
    if (!ids) return; // neither the timeline nor that thread is loaded: nothing shows it
    const known = this.byId.has(post.id);
    this.#merge(post, { fromPage });
    // A known post may still be new to this list (a thread's post, older than
    // the timeline's pages, reached by scrolling up).
    if (insertId(ids, post.id)) this.emit('added', { id: post.id, parentId, live });
    else if (known) this.emit('changed', { id: post.id });
  }
}
