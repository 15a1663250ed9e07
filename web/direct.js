// Direct messages (conversations): channels of kind `direct` (docs/protocol.md,
// "Direct messages"). Starting one, its name as this person sees it (its
// other people's names), and the time it last moved, for the sidebar's order.
import { post } from './api.js';
import { t } from './i18n/index.js';
import { app, refreshChannels } from './state.js';

export const MAX_OTHERS = 8;

export function isDirect(channel) {
  return channel?.kind === 'direct';
}

/** The conversation with `userIds` (the existing one, or a new one), opened. */
export async function startConversation(userIds) {
  const channel = await post('/api/direct', { user_ids: userIds });
  await refreshChannels();
  location.hash = `#/c/${channel.id}`;
  return channel;
}

/** Its other people's names (deactivated ones marked), or "only you" once all left. */
export function conversationName(channel) {
  const people = channel.people ?? [];
  if (!people.length) return t('dm.onlyYou');
  return people.map((p) => (p.active ? p.display_name : t('dm.deactivatedName', { name: p.display_name }))).join(', ');
}

/** The one other person of a conversation of two (null for a group). */
export function partnerOf(channel) {
  return channel.people?.length === 1 ? channel.people[0] : null;
}

/** When it last moved: an event of it seen live, or the list's `last_activity`. */
export function lastActivity(channel) {
  return channel.last_activity ?? '';
}

/** An event of a followed conversation: it moves to the top of the list. */
export function noteActivity(frame) {
  const c = app.channels.find((x) => x.id === frame.channel);
  if (!isDirect(c) || !frame.at || (c.last_activity ?? '') >= frame.at) return;
  c.last_activity = frame.at;
  app.emit('channels', app.channels);
}

/** A channel's name as shown: a conversation's is its other people's. */
export function channelName(channel) {
  return isDirect(channel) ? conversationName(channel) : channel.name;
}
