// The channel itself: renamed or described anew. The open channel's header
// follows its store; the sidebar follows for every channel one is in.
import { channelUpdated } from '../state.js';

export const reducers = {
  'channel.updated': (store, { data }) => store.update(data),
};

export const everywhere = {
  'channel.updated': ({ channel, data }) => channelUpdated(channel, data),
};
