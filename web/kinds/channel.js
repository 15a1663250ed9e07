// The channel itself: renamed, described anew, closed or opened, archived. The
// open channel's header follows its store (which asks for the person's rights
// again when who may read it changed); the sidebar follows for every channel
// one is in.
import { channelUpdated } from '../state.js';

export const reducers = {
  'channel.updated': (store, { data }) => store.update(data),
};

export const everywhere = {
  'channel.updated': ({ channel, data }) => channelUpdated(channel, data),
};
