// Comments: created, edited, deleted, each with its post's new comment count.
// A created comment settles the writer's own pending comment by frame.cid, and
// is something said (unread for the others, as a post is).
export const reducers = {
  'comment.created': (store, { data, cid }) => {
    store.posts.created(data.post, { cid });
    store.posts.counted(data.post.parent_id, data.comment_count);
  },
  'comment.edited': (store, { data }) => store.posts.put(data.post),
  'comment.deleted': (store, { data }) => {
    store.posts.removed(data.post_id);
    store.posts.counted(data.parent_id, data.comment_count);
  },
};

export const said = {
  'comment.created': ({ data }) => data.post,
};
