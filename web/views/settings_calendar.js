// Account settings: one's private calendar feed (GET/POST/DELETE
// /api/calendar/feed): a secret URL calendar apps subscribe to, listing the
// events one answered going or maybe. Its URL is shown once, when made or
// renewed (the server keeps only a hash); renewing stops the old one,
// revoking stops it altogether.
import { del, get, post } from '../api.js';
import { h } from '../dom.js';
import { formatFull, t } from '../i18n/index.js';
import { errorBox, errorText } from './errors.js';

export function calendarSection() {
  let alive = true;
  const title = t('settings.calendar');
  const state = h('p', { role: 'status', dataset: { testid: 'calendar-state' } });
  const url = h('input', { type: 'text', readonly: true, hidden: true, class: 'calendar-url', 'aria-label': t('calendar.url'), dataset: { testid: 'calendar-url' } });
  const urlHint = h('p', { class: 'muted', hidden: true, text: t('calendar.urlHint') });
  const make = h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'calendar-make' }, onclick: renew });
  const revoke = h('button', { class: 'btn danger', type: 'button', hidden: true, dataset: { testid: 'calendar-revoke' }, text: t('calendar.revoke'), onclick: stop });
  const error = errorBox('calendar-error');

  function show(feed) {
    state.textContent = feed.exists ? t('calendar.since', { date: formatFull(feed.created_at) }) : t('calendar.none');
    make.textContent = feed.exists ? t('calendar.renew') : t('calendar.make');
    revoke.hidden = !feed.exists;
    url.hidden = urlHint.hidden = !feed.url;
    url.value = feed.url ?? '';
  }

  get('/api/calendar/feed')
    .then((feed) => alive && show(feed))
    .catch((err) => alive && error.set(errorText(err)));

  async function renew() {
    error.set('');
    try {
      const feed = await post('/api/calendar/feed');
      if (!alive) return;
      show(feed);
      url.focus();
      url.select();
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
  }

  async function stop() {
    error.set('');
    try {
      await del('/api/calendar/feed');
      if (alive) show({ exists: false });
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
  }

  const el = h(
    'section',
    { id: 'settings-calendar', class: 'admin-section', 'aria-labelledby': 'settings-calendar-title' },
    h('h2', { id: 'settings-calendar-title', tabindex: '-1', text: title }),
    h('p', { class: 'muted', text: t('calendar.lead') }),
    h('div', { class: 'card stack narrow-form' }, state, url, urlHint, h('div', { class: 'row' }, make, revoke), error),
  );
  return {
    el,
    title,
    destroy() {
      alive = false;
    },
  };
}
