// Unread counts, kept by the client: a post.created by someone else in a
// channel that is not open counts one (web/kinds/posts.js calls noteNewPost for
// every followed channel). Saved per person in localStorage, so a reload (which
// resumes every channel from its saved position) keeps them.
import { app } from './state.js';
import { load, save } from './storage.js';

let counts = {};

/** Read the saved counts (at sign-in). */
export function startUnread() {
  counts = load('unread', {});
}

/** A new post in `channel` by `authorId`: one more unread, unless it is ours or in view. */
export function noteNewPost(channel, authorId) {
  if (channel === app.openChannel && document.visibilityState !== 'hidden') return;
  if (authorId === app.me?.id) return;
  setUnread(channel, unreadCount(channel) + 1);
}

export function unreadCount(channel) {
  return counts[channel] ?? 0;
}

export function setUnread(channel, count) {
  if (unreadCount(channel) === count) return;
  if (count > 0) counts[channel] = count;
  else delete counts[channel];
  save('unread', counts);
  app.emit('unread', { channel, count });
}

export function totalUnread() {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
