// Polls in posts: a poll's results as they are now, after a vote, a change,
// a withdrawal (poll.voted) or its closing (poll.closed). The post's views
// move its bars in place; one's own choices stay as the store knows them.
const results = (store, { data }) => store.posts.poll(data.post_id, data.poll);

export const reducers = {
  'poll.voted': results,
  'poll.closed': results,
};
