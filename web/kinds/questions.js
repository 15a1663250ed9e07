// Questions (a Q&A channel's posts, a question in a direct conversation): a
// question's state and accepted answer as they are now. The post's views
// redraw its state; the thread highlights the answer and shows it first.
export const reducers = {
  'question.updated': (store, { data }) => store.posts.question(data.post_id, data.question),
};
