// The home page's "Upcoming events": the next few events one may see
// (GET /api/gatherings?limit=3), followed live like the events page
// (views/events.js) and hidden while there are none.
import { get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { eventItem } from './events.js';

const SHOWN = 3;

export function upcomingEvents() {
  let alive = true;
  let asked = 0;
  const list = h('ul', { class: 'card-list', dataset: { testid: 'home-events' } });
  const el = h(
    'section',
    { class: 'home-section home-events', hidden: true, 'aria-labelledby': 'home-events-head' },
    h('div', { class: 'page-head' }, h('h2', { id: 'home-events-head', text: t('home.events') }), h('a', { href: '#/events', text: t('home.eventsAll') })),
    list,
  );
  async function load() {
    const mine = ++asked;
    try {
      const page = await get(`/api/gatherings?limit=${SHOWN}`, { quiet: true });
      if (!alive || mine !== asked) return;
      list.replaceChildren(...page.gatherings.map(eventItem));
      el.hidden = page.gatherings.length === 0;
    } catch {
      /* the feed matters more: this part stays as it was */
    }
  }
  const offs = [app.on('gathering', () => load()), app.on('channels', () => load())];
  load();
  return {
    el,
    destroy() {
      alive = false;
      for (const off of offs) off();
    },
  };
}
