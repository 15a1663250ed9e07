// The channel view's live wiring: what the connection says about the open
// channel reaches its store and the view. Events go through the kind registry
// (web/kinds/) into the store, whose listeners redraw; this file never looks
// at an event's kind. The rest are the view's decisions about frames that are
// not events: a replay the server could not make (reload the page), typing,
// a refused or ended subscription or a removal (the channel is gone), one's own
// joining or leaving (ask for one's rights again), a reconnect.
import { reduce } from '../kinds/index.js';

/**
 * @param store  the channel's ChannelStore
 * @param conn   the Connection
 * @param view   {ready() -> bool: a page is shown, gone() -> bool: "not found" is shown,
 *                load(), reload(), showGone(reason: 'notFound'|'removed'|'accessLost'),
 *                refreshRights(), reconnected(), typing: TypingIndicator}
 * @returns a function that undoes the wiring
 */
export function wireLive(store, conn, view) {
  const id = store.id;
  const offs = [
    conn.on('event', (frame) => frame.channel === id && view.ready() && reduce(store, frame)),
    conn.on('reset', ({ channel, hadPosition }) => channel === id && view.ready() && hadPosition && view.reload()),
    conn.on('typing', (f) => f.channel === id && f.user !== store.me && view.typing.started(f.user, f.name)),
    conn.on('hello', () => view.ready() && view.reconnected()),
    conn.on('suberror', ({ channel }) => channel === id && view.showGone('notFound')),
    // The server ended the subscription: one left or was removed (on any device).
    conn.on('access-lost', ({ channel }) => channel === id && !view.gone() && view.showGone('accessLost')),
    // One's own stream says one was added to or removed from this channel.
    conn.on('personal', ({ kind, data }) => {
      // Another role may mean other rights here (the server says which).
      if (kind === 'account.updated') return view.ready() && view.refreshRights();
      if (kind !== 'membership.added' && kind !== 'membership.removed') return;
      if (data.channel_id !== id) return;
      const joined = kind === 'membership.added';
      if (joined && view.gone()) view.load(); // let in (invited) while looking at "not found"
      else if (!joined && view.ready() && store.channel?.is_private) view.showGone('removed');
    }),
    // Closed, opened or archived: ask what one may do now (a 404 means it is gone for us).
    store.on('access', () => view.refreshRights()),
    // One's own member.joined / member.left (from this page, another device, an admin).
    store.on('self', ({ joined }) => {
      if (!joined && store.channel?.is_private) view.showGone('removed');
      else view.refreshRights();
    }),
    // A post from someone who was typing ends their "is typing…".
    store.posts.on('added', ({ id: postId, parentId, live }) => {
      if (live && parentId === null) view.typing.stopped(store.posts.get(postId)?.author.id);
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
