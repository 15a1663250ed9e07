// Likes on posts and comments: the new count, and whether the person likes it
// when the like is theirs (from another tab or device too).
const like =
  (added) =>
  (store, { data }) =>
    store.posts.liked(data.post_id, { userId: data.user_id, count: data.like_count, added });

export const reducers = {
  'like.added': like(true),
  'like.removed': like(false),
};
