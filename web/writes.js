// What the person does to posts, over the connection: post, comment (with
// files already uploaded: their ids), retry or discard a write that failed,
// like, edit, delete. Each write shows at once in
// the channel's store (a pending post or comment, an optimistic like) and is
// settled there by its ack; its event settles it too, by the same client id
// (cid), whichever comes first (web/posts.js). A retry reuses the cid, so the
// server applies the write once.
// Knows no DOM: views call these and show the errors they throw.
import { newCid } from './api.js';
import { app } from './state.js';

/**
 * A new post in the store's channel; `files`: FileRefs of uploads done
 * (web/uploads.js). `acknowledged`: the author saw the word check's warning
 * and sends it anyway (views/composer.js); `question`, `anonymous`: how it is
 * asked (a question in a direct conversation, an anonymous one in a Q&A channel).
 */
export function sendPost(store, body, files = [], { acknowledged = false, ...ask } = {}) {
  const cid = newCid();
  store.posts.addPending({ cid, channelId: store.id, parentId: null, body, files, ask });
  if (acknowledged) acknowledgedCids.add(cid);
  return attempt(store, cid);
}

/** A new comment on post `parentId`. */
export function sendComment(store, parentId, body, files = [], { acknowledged = false } = {}) {
  const cid = newCid();
  store.posts.addPending({ cid, channelId: store.id, parentId, body, files });
  if (acknowledged) acknowledgedCids.add(cid);
  return attempt(store, cid);
}

// Writes sent anyway past a warning: retries say so again.
const acknowledgedCids = new Set();

/** Send a failed post or comment again, with its cid. */
export function retry(store, cid) {
  if (!store.posts.pending.has(cid)) return Promise.resolve();
  store.posts.pendingState(cid, 'sending');
  return attempt(store, cid);
}

/** Give up on a failed post or comment. */
export function discard(store, cid) {
  store.posts.settle(cid);
}

async function attempt(store, cid) {
  const p = store.posts.pending.get(cid);
  const frame =
    p.parentId === null
      ? { op: 'post', channel: p.channelId, body: p.body, cid, ...(p.ask ?? {}) }
      : { op: 'comment', post: p.parentId, body: p.body, cid };
  if (p.files.length) frame.files = p.files.map((f) => f.id);
  if (acknowledgedCids.has(cid)) frame.acknowledge_warning = true;
  try {
    const ack = await app.conn.write(frame);
    acknowledgedCids.delete(cid);
    if (ack.post) store.posts.created(ack.post, { cid });
    else store.posts.settle(cid);
  } catch (err) {
    store.posts.pendingState(cid, 'failed', { code: err.code ?? 'internal', details: err.details });
  }
}

/** Like or unlike a post or comment: shown at once, put back if the server refuses. */
export async function toggleLike(store, id) {
  const post = store.posts.get(id);
  if (!post) return;
  const liked = !post.liked_by_me;
  const before = post.like_count;
  const me = store.me;
  store.posts.liked(id, { userId: me, count: Math.max(0, before + (liked ? 1 : -1)), added: liked });
  try {
    await app.conn.write({ op: liked ? 'like' : 'unlike', post: id, cid: newCid() });
  } catch (err) {
    const now = store.posts.get(id);
    if (now) store.posts.liked(id, { userId: me, count: Math.max(0, now.like_count + (liked ? -1 : 1)), added: !liked });
    throw err;
  }
}

/**
 * A new text or new files for a post or comment (one cid per edit session, so
 * a repeated Save applies once). `change`: {body?, files?}; what is left out
 * stays as it is; `files` is the new set of file ids (kept and new uploads).
 */
export async function editPost(store, id, change, cid) {
  const ack = await app.conn.write({ op: 'edit', post: id, ...change, cid });
  if (ack.post) store.posts.put(ack.post);
}

/** Delete a post (with its comments) or a comment. */
export async function deletePost(store, id, cid) {
  await app.conn.write({ op: 'delete', post: id, cid });
  store.posts.removed(id); // its event does the same; whichever comes first
}
