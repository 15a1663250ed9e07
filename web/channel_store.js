// Everything the client knows about the one open channel: the channel itself
// (name, description, member count and what the person may do in it, the
// server's `can_*` capabilities), its members once someone has listed them,
// and its posts (web/posts.js). The channel view's parts render from it and
// listen to it; web/kinds/ turns the channel's events into calls on it.
// It does no I/O and knows no DOM.
//
// Events:
//   channel  the channel's fields changed (name, description, member_count, can_*)
//   rights   what the person may do changed (after `channel`): like buttons and
//            composers come or go
//   members  the member list changed (only once it was set)
//   self     {joined}: the person themself joined or left (their rights changed
//            with it: the view asks the server for them again)
//   access   the channel was closed, opened or archived: the person's rights
//            changed, or they lost it altogether (the view asks the server)
import { Emitter } from './emitter.js';
import { PostStore } from './posts.js';

/** The fields that say what the person may do; they change with their membership. */
export const RIGHTS = [
  'is_member',
  'can_post',
  'can_comment',
  'can_react',
  'can_join',
  'can_leave',
  'can_invite',
  'can_edit',
];

export class ChannelStore extends Emitter {
  constructor(id, { me }) {
    super();
    this.id = id;
    this.me = me;
    this.channel = null; // ChannelPublic, as of the page and the events after it
    this.members = null; // Map id -> person, once set
    this.posts = new PostStore({ me });
  }

  /** A channel from a history page: its member count is as of the page's position. */
  setChannel(channel) {
    this.#set({ ...channel });
  }

  /**
   * New name or description, closed or opened, archived (a `channel.updated`
   * event, or one's own edit). When who may read it or what anyone may do in it
   * changed, `access` follows: the view asks the server for the person's rights.
   */
  update({ name, description, is_private: closed, archived }) {
    if (!this.channel) return;
    const next = { ...this.channel };
    if (typeof name === 'string') next.name = name;
    if (typeof description === 'string') next.description = description;
    if (typeof closed === 'boolean') next.is_private = closed;
    if (typeof archived === 'boolean') next.archived = archived;
    const fields = ['name', 'description', 'is_private', 'archived'];
    if (fields.every((key) => next[key] === this.channel[key])) return;
    const access = next.is_private !== this.channel.is_private || next.archived !== this.channel.archived;
    this.#set(next);
    if (access) this.emit('access');
  }

  /**
   * What the person may do, from a fresh GET /api/channels/{id}. Only the
   * rights are taken: the member count stays the page's plus the events
   * after it (the fresh count may already include events still on their way).
   */
  setRights(fresh) {
    if (!this.channel) return;
    const next = { ...this.channel };
    for (const key of RIGHTS) if (key in fresh) next[key] = fresh[key];
    if (RIGHTS.every((key) => next[key] === this.channel[key])) return;
    this.#set(next);
  }

  setMembers(people) {
    this.members = new Map(people.map((p) => [p.id, p]));
    this.emit('members');
  }

  memberJoined(user) {
    this.#count(+1);
    if (this.members) {
      this.members.set(user.id, { ...this.members.get(user.id), ...user });
      this.emit('members');
    }
    if (user.id === this.me) this.emit('self', { joined: true });
  }

  memberLeft(user) {
    this.#count(-1);
    if (this.members?.delete(user.id)) this.emit('members');
    if (user.id === this.me) this.emit('self', { joined: false });
  }

  #count(delta) {
    if (!this.channel) return;
    this.#set({ ...this.channel, member_count: Math.max(0, this.channel.member_count + delta) });
  }

  #set(next) {
    const old = this.channel;
    this.channel = next;
    this.emit('channel');
    if (old && RIGHTS.some((key) => next[key] !== old[key])) this.emit('rights');
  }
}
