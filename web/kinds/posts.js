// Posts: created, edited, deleted. A created post settles the writer's own
// pending post by its client id (frame.cid), never by its text; elsewhere it
// counts as unread.
import { noteNewPost } from '../unread.js';

export const reducers = {
  'post.created': (store, { data, cid }) => store.posts.created(data.post, { cid }),
  'post.edited': (store, { data }) => store.posts.put(data.post),
  'post.deleted': (store, { data }) => store.posts.removed(data.post_id),
};

export const everywhere = {
  'post.created': ({ channel, data }) => noteNewPost(channel, data.post.author.id),
};
