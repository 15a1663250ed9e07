// The open channel's reading (docs/protocol.md, "Read state"): what the
// person has seen is reported to the server, and what is new since their last
// visit is marked in the timeline.
//
// Reporting. While the page is visible and the timeline shows its newest posts
// (scrolled to the bottom), the channel is read up to the last event the
// connection applied to it (conn.position), sent as `read`: at most once a
// second, never backwards nor behind what the server has, and again when the
// tab comes back into view or the connection comes back. A hidden or closing
// tab never reports, so what came while nobody looked stays unread here and on
// every other device. The server's answer and its read.moved set the badges
// (web/reading.js).
//
// "New since your last visit". History pages carry no seq per post, so the
// first unread post is looked up in the channel's log: the events after the
// read position (GET /api/channels/{id}/events: four events an unread post
// back from the head, then, if they did not hold all of them, the newest
// 1,000) that said something (web/kinds/ `said`) by someone else. Someone who
// never reported a position in a channel has read what came before they joined
// it, a time the client does not know: then, as when the window of 1,000 is
// shorter than the way back to the read position, the last `unread` of those
// events are taken, as the server counted them. The divider goes above the
// first post among them (a comment on an older post is unread too, but marks
// nothing in the timeline). Posts by others that arrive while the tab is hidden
// move it there, once the old one was seen.
import { get } from '../api.js';
import { saidIn } from '../kinds/index.js';
import { readMoved, readState } from '../reading.js';
import { app } from '../state.js';

const REPORT_EVERY_MS = 1000;
const LOG_WINDOW = 1000; // events: one page of GET .../events, the furthest looked back
const MIN_SPAN = 50;
const SPAN_PER_UNREAD = 4;

/**
 * The id of the first post new since the last visit, or null.
 * @param lastVisit  {read, unread} as the server had it when the channel was opened
 * @param page       the first history page (its channel: epoch and seq)
 */
export async function firstUnread(id, me, lastVisit, page) {
  if (!lastVisit?.unread) return null;
  const { epoch, seq: head } = page.channel;
  // A few events a post are usual (likes, comments, joins): look that far back
  // first, and as far as one page of the log if the unread are not all in it.
  let span = Math.min(LOG_WINDOW, Math.max(MIN_SPAN, SPAN_PER_UNREAD * lastVisit.unread));
  for (;;) {
    const from = Math.max(lastVisit.read, head - span);
    if (from >= head) return null;
    const log = await get(`/api/channels/${id}/events?epoch=${encodeURIComponent(epoch)}&seq=${from}`);
    if (!log.recovered) return null; // another epoch: nothing to compare with
    let said = [];
    for (const event of log.events) {
      const post = saidIn(event);
      if (post && event.seq <= head && post.author?.id !== me) said.push(post);
    }
    const all = from === lastVisit.read && lastVisit.read > 0;
    if (!all && said.length < lastVisit.unread && from > lastVisit.read && span < LOG_WINDOW) {
      span = LOG_WINDOW;
      continue;
    }
    // Before joining, or before the window: only the server's count tells where unread starts.
    if (!all) said = said.slice(-lastVisit.unread);
    return said.find((post) => post.parent_id == null)?.id ?? null;
  }
}

/**
 * Reports reading and keeps the divider for an open channel.
 * @param store     the channel's ChannelStore
 * @param conn      the Connection
 * @param timeline  its Timeline (showsNewest(), markUnread(id))
 * @param ready     () -> bool: a page is shown
 * @returns {check(): a reason to report (the timeline scrolled, a page came), destroy()}
 */
export function channelReading(store, conn, timeline, { ready }) {
  const id = store.id;
  let sent = 0; // the highest seq reported (or being reported)
  let lastSent = 0; // when (performance.now())
  let timer = null;

  function visible() {
    return document.visibilityState === 'visible';
  }

  function wanted() {
    return ready() && visible() && store.channel?.is_member && timeline.showsNewest();
  }

  /** Something may be newly shown: report it soon, within the once-a-second limit. */
  function check() {
    if (timer !== null || !wanted()) return;
    const wait = Math.max(0, lastSent + REPORT_EVERY_MS - performance.now());
    timer = setTimeout(report, wait);
  }

  function report() {
    timer = null;
    if (!wanted()) return; // hidden or scrolled away meanwhile: nothing more was seen
    const seq = conn.position(id)?.seq;
    const known = readState(id);
    if (seq == null || !known || seq <= Math.max(sent, known.read)) return;
    const before = sent;
    sent = seq;
    lastSent = performance.now();
    conn
      .request({ op: 'read', channel: id, seq })
      .then((answer) => readMoved({ channel_id: answer.channel, seq: answer.seq, unread: answer.unread }, { answer: true }))
      .catch(() => {
        if (sent === seq) sent = before; // not sent (disconnected, rate limited): again later
      });
  }

  const onVisibility = () => {
    if (visible()) check();
    else {
      clearTimeout(timer);
      timer = null;
    }
  };
  document.addEventListener('visibilitychange', onVisibility);
  const offs = [
    () => document.removeEventListener('visibilitychange', onVisibility),
    conn.on('position', ({ channel }) => channel === id && check()),
    conn.on('hello', () => check()),
    // The list came (its read position is needed), or a read elsewhere.
    app.on('unread', () => check()),
    // Posts that come while the tab is hidden are new when one looks again.
    store.posts.on('added', ({ id: postId, parentId, live }) => {
      if (!live || parentId !== null || visible()) return;
      if (store.posts.get(postId)?.author.id === store.me) return;
      timeline.markUnread(postId, { again: true });
    }),
  ];

  return {
    check,
    destroy() {
      clearTimeout(timer);
      timer = null;
      for (const off of offs) off();
    },
  };
}
