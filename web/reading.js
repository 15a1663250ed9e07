// Read state: how far the person has read in each channel they are in, and how
// many posts and comments by others came after, as the server keeps it
// (channels/reading.py; docs/protocol.md, "Read state"). The badges come from
// here, so they agree on every device and tab; nothing is kept in the browser.
//
// Per channel: `read` (the seq read up to), `unread`, and `at`, the channel's
// seq as of which `unread` was counted (the list's head, then each event seen).
// Three things change it:
//   - the channel list (GET /api/channels): the server's figures, unless what
//     is known here is newer (a read position further on, or events past the
//     list's head already counted);
//   - read.moved in one's own stream (a read here or on another device), and the
//     answer to one's own `read`: the server's figures, when its position is
//     ahead of the one known (positions only move forward, and every read.moved
//     moves one; a replayed one is old news);
//   - an event that says something (web/kinds/ `said`) by someone else, past
//     `at`, in a channel not in view: one more, until the server says otherwise.
// Changes are told with app's `unread` event ({channel}, null when many changed).
import { saidIn } from './kinds/index.js';
import { app, channelById } from './state.js';

let known = new Map(); // channel id -> {read, unread, at}

function figures(c) {
  return { read: c.read_seq, unread: c.unread, at: c.seq };
}

/** Whether `mine` is a later state than `fresh` from the server. */
function newer(mine, fresh) {
  return mine.read > fresh.read || (mine.read === fresh.read && mine.at > fresh.at);
}

/** The channel list as the server gave it (channels one is in: read_seq is set). */
export function takeList(list) {
  const next = new Map();
  for (const c of list) {
    if (c.read_seq == null) continue;
    const mine = known.get(c.id);
    const fresh = figures(c);
    next.set(c.id, mine && newer(mine, fresh) ? mine : fresh);
  }
  known = next;
  app.emit('unread', { channel: null });
}

/**
 * The server moved the read position (`read.moved` {channel_id, seq, unread}),
 * or answered one's own `read` (`answer`: it says where the position is now,
 * moved or not).
 */
export function readMoved({ channel_id: id, seq, unread }, { answer = false } = {}) {
  let state = known.get(id);
  if (!state) {
    // Not in the list yet (it is on its way): the list keeps this if it is older.
    state = { read: -1, unread: 0, at: 0 };
    known.set(id, state);
  }
  if (seq < state.read || (seq === state.read && !answer)) return;
  state.read = seq;
  state.unread = unread;
  state.at = Math.max(state.at, seq);
  app.emit('unread', { channel: id });
}

/** An event of a followed channel: one more unread if someone else said something out of view. */
export function noteEvent(frame) {
  const post = saidIn(frame);
  const state = known.get(frame.channel);
  if (!post || !state || frame.seq <= state.at) return;
  state.at = frame.seq;
  if (frame.seq <= state.read || post.author?.id === app.me?.id) return;
  if (frame.channel === app.openChannel && document.visibilityState === 'visible') return;
  state.unread += 1;
  app.emit('unread', { channel: frame.channel });
}

/** {read, unread} in a channel one is in; null for others, or before the list came. */
export function readState(id) {
  const state = known.get(id);
  return state ? { read: Math.max(state.read, 0), unread: state.unread } : null;
}

/** The badge's count: 0 for a muted channel (its true count stays in readState). */
export function unreadCount(id) {
  if (channelById(id)?.notify === 'none') return 0;
  return known.get(id)?.unread ?? 0;
}

/** Unread in all the channels of the list, muted ones left out. */
export function totalUnread() {
  let total = 0;
  for (const id of known.keys()) total += channelById(id) ? unreadCount(id) : 0;
  return total;
}

export function forgetReads() {
  known = new Map();
}
