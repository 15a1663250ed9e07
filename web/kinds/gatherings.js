// Events (イベント; gatherings on the server): an event of a channel as it is
// now (created, edited, cancelled, its counts moved). The channel's own store
// keeps nothing of it; the events pages (views/events.js, the home's upcoming
// list) listen to `gathering` on the app and ask again for what they show.
// A company-wide event comes the same way through one's own stream
// (`gathering.changed`, app.js).
import { app } from '../state.js';

export const reducers = {
  'gathering.updated': () => {},
};

export const everywhere = {
  'gathering.updated': ({ data }) => app.emit('gathering', data.gathering),
};
