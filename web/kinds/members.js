// Membership: someone joined or left ({user: {id, display_name, department}}).
// The member count and the member list follow; the person's own joining or
// leaving is told to the view (store event `self`), which asks for its rights.
export const reducers = {
  'member.joined': (store, { data }) => store.memberJoined(data.user),
  'member.left': (store, { data }) => store.memberLeft(data.user),
};
