// Unread counts, kept by the client: a post.created by someone else in a
// channel that is not open counts one. Saved per person in localStorage, so a
// reload (which resumes every channel from its saved position) keeps them.
import { app } from './state.js';
import { load, save } from './storage.js';

let counts = {};

export function startUnread(conn) {
  counts = load('unread', {});
  const off = conn.on('event', (frame) => {
    if (frame.kind !== 'post.created') return;
    if (frame.channel === app.openChannel && document.visibilityState !== 'hidden') return;
    if (frame.data?.post?.author?.id === app.me?.id) return;
    setUnread(frame.channel, unreadCount(frame.channel) + 1);
  });
  return off;
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
