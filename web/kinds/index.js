// The registry of event kinds: what each kind of channel event does to the
// client's state, one reducer per kind, one file per subject. Nothing else in
// the client looks at `frame.kind`: views render from the stores and listen to
// them.
//
// A kind file exports
//   reducers    {kind: (store, frame) => void}: the open channel's ChannelStore
//               (web/channel_store.js) takes the event
//   everywhere  {kind: (frame) => void}, optional: for events of every channel
//               one follows, open or not (sidebar names)
//   said        {kind: (frame) => Post}, optional: the kinds that say something
//               (a post, a comment), which are unread for everyone but their
//               author until read past: the same kinds the server counts
//               (channels/reading.py's UNREAD_KINDS); web/reading.js counts them
// A new kind is a new file (or a new entry in its subject's file) and, for a new
// file, one line in FILES below. docs/protocol.md's table of event kinds and
// this registry are compared by tests/browser/test_web_store.py.
// Unknown kinds are ignored (protocol v1 may grow).
import * as channel from './channel.js';
import * as comments from './comments.js';
import * as gatherings from './gatherings.js';
import * as likes from './likes.js';
import * as members from './members.js';
import * as moderation from './moderation.js';
import * as polls from './polls.js';
import * as posts from './posts.js';
import * as questions from './questions.js';

const FILES = { posts, comments, likes, members, channel, moderation, questions, polls, gatherings };

function collect(part) {
  const table = {};
  for (const [file, module] of Object.entries(FILES)) {
    for (const [kind, fn] of Object.entries(module[part] ?? {})) {
      if (kind in table) throw new Error(`event kind ${kind} has a second ${part} reducer in kinds/${file}.js`);
      table[kind] = fn;
    }
  }
  return Object.freeze(table);
}

/** kind -> (store, frame): the open channel's reducers. */
export const reducers = collect('reducers');

/** kind -> (frame): reducers for events of every followed channel. */
export const everywhere = collect('everywhere');

/** kind -> (frame) => Post: what the event said, for the kinds that count as unread. */
export const said = collect('said');

/** The post or comment an event (or a replayed one from GET .../events) said; null for other kinds. */
export function saidIn(frame) {
  return Object.hasOwn(said, frame.kind) ? said[frame.kind](frame) : null;
}

/** Apply an event of the open channel to its store; false for a kind we do not know. */
export function reduce(store, frame) {
  const reducer = Object.hasOwn(reducers, frame.kind) ? reducers[frame.kind] : null;
  if (!reducer) return false;
  reducer(store, frame);
  return true;
}

/** Apply an event of any followed channel to the state the whole client shares. */
export function reduceEverywhere(frame) {
  if (Object.hasOwn(everywhere, frame.kind)) everywhere[frame.kind](frame);
}
