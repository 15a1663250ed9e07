// Moderation's channel events: a post or comment hidden by a moderator, and
// brought back. Hidden, it leaves every reader's view at once, except its
// author's, who keeps it marked hidden (the reason comes with the next load:
// the event carries none, as everyone in the channel gets it). Brought back,
// it enters again where it was.
export const reducers = {
  'post.hidden': (store, { data }) => {
    const post = store.posts.get(data.post_id);
    if (post && post.author?.id === store.me) {
      store.posts.put({ ...post, hidden: post.hidden ?? '' });
    } else {
      store.posts.removed(data.post_id);
    }
    if (data.parent_id != null) store.posts.counted(data.parent_id, data.comment_count);
  },
  'post.unhidden': (store, { data }) => {
    const known = store.posts.get(data.post.id);
    if (known) store.posts.put({ ...data.post, liked_by_me: known.liked_by_me, hidden: null });
    else store.posts.created(data.post);
    if (data.post.parent_id != null) store.posts.counted(data.post.parent_id, data.comment_count);
  },
};
