// What the whole client shares while someone is signed in: who they are, the
// channels they are in, who is online, which channel is open, and the
// connection. Views read it and listen to its events; only a few functions here
// change it.
//   events: channels, presence {user, status},
//           unread {channel}: read state changed (web/reading.js; channel null: many),
//           me (one's own account changed: name, department, role),
//           session (GET /api/session answered again), terms (web/terms.js),
//           conn-problem (app.connProblem was set),
//           notifications (web/notifications.js), highlight (a post id to show: views/highlight.js), highlightSubject (a selector: an event, announcement or survey to show)
import { get } from './api.js';
import { Emitter } from './emitter.js';
import { forgetReads, takeList } from './reading.js';
import { save } from './storage.js';

export const app = new Emitter();
app.me = null;
app.conn = null;
app.channels = []; // the channels one is in, as GET /api/channels?joined=1 gives them
app.presence = new Map(); // user id -> online | away | offline
app.openChannel = null;
app.myStatus = 'online';
app.connProblem = null; // why the connection stopped, when the person should know: 'forbidden' | 'too-many'

export function setMyStatus(status) {
  app.myStatus = status;
  save('status', status);
  app.conn?.setStatus(status);
  setPresence(app.me.id, status);
}

export function isAdmin() {
  return app.me?.role === 'admin';
}

/** Moderators and admins: the moderation queue. */
export function canModerate() {
  return app.me?.role === 'admin' || app.me?.role === 'moderator';
}

export function channelById(id) {
  return app.channels.find((c) => c.id === id) ?? null;
}

export function setPresence(userId, status) {
  if (app.presence.get(userId) === status) return;
  app.presence.set(userId, status);
  app.emit('presence', { user: userId, status });
}

/** Take statuses from a people list (members, directory) as a starting point. */
export function notePresence(people) {
  for (const p of people) if (p.status) setPresence(p.id, p.status);
}

/**
 * One's own account changed (`account.updated` in one's own stream, or a
 * fresh GET /api/session): take the fields, and tell the views if any differ.
 */
export function accountUpdated(fields) {
  const me = app.me;
  if (!me) return;
  const changed = Object.keys(fields).some((key) => fields[key] !== me[key]);
  Object.assign(me, fields);
  if (changed) app.emit('me', me);
}

let refreshingMe = null;
let refreshMeAgain = false;

/**
 * Ask the server again who one is (GET /api/session) and tell the views if
 * anything changed (after a reconnect: an `account.updated` may have been
 * missed with a stream that could not be replayed). Asked while a
 * request is under way, it asks once more after it (that one may have been
 * answered before the change it is asked for).
 */
export function refreshMe() {
  if (refreshingMe) {
    refreshMeAgain = true;
    return refreshingMe;
  }
  const me = app.me;
  refreshingMe = (async () => {
    try {
      do {
        refreshMeAgain = false;
        const session = await get('/api/session');
        if (app.me !== me || !me) return; // signed out (or in as someone else) meanwhile
        accountUpdated(session.user);
        app.emit('session', session); // what else it says (web/terms.js)
      } while (refreshMeAgain);
    } finally {
      refreshingMe = null;
      refreshMeAgain = false;
    }
  })();
  return refreshingMe;
}

let refreshing = null;
let refreshAgain = false;
let listed = firstList(); // the session's first channel list

function firstList() {
  let resolve;
  const promise = new Promise((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Resolves once the session's channel list (with its read state) has come. */
export function channelsListed() {
  return listed.promise;
}

/**
 * Reload the channel list (with each channel's read state) and follow every
 * joined channel from the list's position: events after it (replayed if they
 * came before the subscription) count as unread on top of the list's figures.
 * Asked while a reload is under way, it reloads once more after it (the running
 * one may have read the list before the change it is asked for).
 */
export function refreshChannels() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  const conn = app.conn;
  refreshing = (async () => {
    try {
      do {
        refreshAgain = false;
        const list = await get('/api/channels?joined=1');
        if (app.conn !== conn) return; // signed out (or in as someone else) meanwhile
        const joined = new Set(list.map((c) => c.id));
        for (const c of list) conn?.watch(c.id, { epoch: c.epoch, seq: c.seq });
        for (const old of app.channels) {
          if (!joined.has(old.id) && old.id !== app.openChannel) conn?.unwatch(old.id);
        }
        app.channels = list;
        takeList(list);
        listed.resolve();
        app.emit('channels', list);
      } while (refreshAgain);
    } finally {
      refreshing = null;
      refreshAgain = false;
    }
  })();
  return refreshing;
}

/** A membership.added / .removed event of one's own stream: reload the list unless it already says so. */
export function membershipChanged(channel, joined) {
  if (!refreshing && joined === !!channelById(channel)) return Promise.resolve();
  return refreshChannels();
}

/** A `channel.updated` event (or one's own edit): name, description, closed, archived. */
export function channelUpdated(id, { name, description, is_private: closed, archived }) {
  const c = channelById(id);
  if (!c) return;
  let changed = false;
  const fields = [['name', name], ['description', description], ['is_private', closed], ['archived', archived]];
  for (const [key, value] of fields) {
    if ((typeof value === 'string' || typeof value === 'boolean') && c[key] !== value) {
      c[key] = value;
      changed = true;
    }
  }
  if (changed) app.emit('channels', app.channels);
}

/**
 * One's notification level in a channel changed (here, or `preference.changed`
 * from another device): the list keeps it, and the badges follow (a muted
 * channel shows none).
 */
export function notifyLevelChanged(id, level) {
  const c = channelById(id);
  if (!c || c.notify === level) return;
  c.notify = level;
  app.emit('channels', app.channels);
  app.emit('unread', { channel: id });
}

export function forgetSession() {
  listed = firstList();
  app.me = null;
  app.channels = [];
  app.presence.clear();
  app.openChannel = null;
  forgetReads();
}
