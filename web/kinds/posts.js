// Posts: created, edited, deleted. A created post settles the writer's own
// pending post by its client id (frame.cid), never by its text. It is also
// something said: unread for everyone else until they read past it
// (web/reading.js).
export const reducers = {
  'post.created': (store, { data, cid }) => store.posts.created(data.post, { cid }),
  'post.edited': (store, { data }) => store.posts.put(data.post),
  'post.deleted': (store, { data }) => store.posts.removed(data.post_id),
};

export const said = {
  'post.created': ({ data }) => data.post,
};
