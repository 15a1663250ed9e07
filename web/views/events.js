// #/events : upcoming events one may see (GET /api/gatherings), soonest first,
// with a form to create one (in a channel one is in; company-wide for admins).
// #/events/<id> : one event: when (in this browser's time zone), where, who
// organises it, going / maybe / not going, the waitlist, the .ics file; its
// organiser (and moderators) edit and cancel it.
//
// Live: every change to an event one follows arrives as `gathering` on the app
// (a channel's `gathering.updated`, or a company-wide `gathering.changed`;
// web/kinds/gatherings.js): the page asks again. An event page of a channel
// one is not in (a public group's) watches that channel while open. Losing
// the right to see it (leaving its private group) is a change of one's
// channels: the page asks again and shows "not found".
import { ApiError, get, patch, post, put } from '../api.js';
import { h, setChildren } from '../dom.js';
import { formatFull, t } from '../i18n/index.js';
import { app, isAdmin } from '../state.js';
import { errorBox, errorText } from './errors.js';
import { notFound } from './notfound.js';
import { showWordCheck } from './word_check.js';

const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "Tue, 12 May, 18:00 – 20:00" in this browser's zone and language. */
export function eventWhen(g) {
  const start = new Date(g.starts_at);
  const end = new Date(g.ends_at);
  const opts = { dateStyle: 'medium', timeStyle: 'short' };
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, opts);
  try {
    return format.formatRange(start, end);
  } catch {
    return `${format.format(start)} – ${format.format(end)}`;
  }
}

/** "3 going · 1 waiting · 2 maybe", with the capacity when there is one. */
export function eventCounts(g) {
  const going = g.capacity ? t('events.goingOf', { count: g.going, capacity: g.capacity }) : t('events.goingCount', { count: g.going });
  return [going, g.waitlist ? t('events.waitingCount', { count: g.waitlist }) : null, g.maybe ? t('events.maybeCount', { count: g.maybe }) : null]
    .filter(Boolean)
    .join(' · ');
}

function myAnswerText(g) {
  if (!g.my_answer) return '';
  if (g.my_answer === 'waitlist') return t('events.mine.waitlist', { place: g.place_in_line ?? '?' });
  return t(`events.mine.${g.my_answer}`);
}

/** One event in a list: a link to its page. */
export function eventItem(g) {
  return h(
    'li',
    { class: 'event-item', dataset: { testid: 'event-item', eventId: String(g.id) } },
    h(
      'a',
      { class: 'card event-card', href: `#/events/${g.id}` },
      h('strong', { class: 'event-title', dataset: { testid: 'event-title' }, text: g.title }),
      h('span', { class: 'search-meta' }, h('time', { datetime: g.starts_at, title: formatFull(g.starts_at), text: eventWhen(g) }), h('span', { text: g.channel_id ? `#${g.channel_name}` : t('events.companyWide') })),
      g.place ? h('span', { class: 'muted', text: g.place }) : null,
      h('span', { class: 'search-meta' }, h('span', { dataset: { testid: 'event-counts' }, text: eventCounts(g) }), g.my_answer ? h('span', { class: `tag answer-${g.my_answer}`, dataset: { testid: 'event-mine' }, text: myAnswerText(g) }) : null),
    ),
  );
}

export function mount(container, params) {
  return params?.[0] ? mountEvent(container, Number(params[0])) : mountList(container);
}

// ---- the list ----------------------------------------------------------------------

function mountList(container) {
  let alive = true;
  app.emit('title', t('events.title'));
  const list = h('ul', { class: 'card-list', dataset: { testid: 'events-list' } });
  const status = h('p', { class: 'muted', role: 'status' });
  const formSlot = h('div');
  const create = h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'event-new' }, text: t('events.new') });
  create.addEventListener('click', () => {
    create.hidden = true;
    formSlot.replaceChildren(
      eventForm(null, {
        done: (made) => {
          location.hash = `#/events/${made.id}`;
        },
        cancel: () => {
          formSlot.replaceChildren();
          create.hidden = false;
          create.focus();
        },
      }),
    );
    formSlot.querySelector('input')?.focus();
  });
  let asked = 0;
  async function load() {
    const mine = ++asked;
    try {
      const page = await get('/api/gatherings');
      if (!alive || mine !== asked) return;
      list.replaceChildren(...page.gatherings.map(eventItem));
      status.textContent = page.gatherings.length ? '' : t('events.none');
    } catch (err) {
      if (alive && mine === asked) status.textContent = errorText(err);
    }
  }
  const offs = [app.on('gathering', () => load()), app.on('channels', () => load())];
  container.replaceChildren(
    h(
      'div',
      { class: 'page events-page', dataset: { testid: 'events-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('events.title') }), create),
      h('p', { class: 'muted', text: t('events.lead', { zone: ZONE }) }),
      formSlot,
      status,
      list,
    ),
  );
  load();
  return {
    destroy() {
      alive = false;
      for (const off of offs) off();
    },
  };
}

// ---- the form (create and edit) ----------------------------------------------------------

/** A datetime-local value ("2026-05-12T18:00") for an ISO time, in this browser's zone. */
function localValue(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function eventForm(existing, { done, cancel }) {
  const field = (label, input, hint) => h('label', { class: 'field' }, h('span', { text: label }), input, hint ? h('small', { class: 'muted', text: hint }) : null);
  const title = h('input', { type: 'text', required: true, maxlength: '200', dataset: { testid: 'event-form-title' } });
  const description = h('textarea', { rows: '3', maxlength: '5000', dataset: { testid: 'event-form-description' } });
  const starts = h('input', { type: 'datetime-local', required: true, dataset: { testid: 'event-form-starts' } });
  const ends = h('input', { type: 'datetime-local', required: true, dataset: { testid: 'event-form-ends' } });
  const place = h('input', { type: 'text', maxlength: '200', dataset: { testid: 'event-form-place' } });
  const link = h('input', { type: 'url', maxlength: '500', placeholder: 'https://', dataset: { testid: 'event-form-link' } });
  const capacity = h('input', { type: 'number', min: '1', max: '10000', step: '1', inputmode: 'numeric', dataset: { testid: 'event-form-capacity' } });
  const channel = h('select', { dataset: { testid: 'event-form-channel' } });
  const error = errorBox('event-form-error');
  if (existing) {
    title.value = existing.title;
    description.value = existing.description;
    starts.value = localValue(existing.starts_at);
    ends.value = localValue(existing.ends_at);
    place.value = existing.place;
    link.value = existing.link;
    capacity.value = existing.capacity ?? '';
  } else {
    // The channels one may post in: those known now, then the server's list
    // (the page may have opened before the sidebar had it).
    // Company-wide: admins and announcers (whoever may announce somewhere).
    let wide = isAdmin();
    let known = app.channels;
    const fill = (list) => {
      known = list ?? known;
      const chosen = channel.value;
      const mine = (known ?? []).filter((c) => c.can_post && !c.archived);
      const options = mine.map((c) => h('option', { value: String(c.id), text: c.kind === 'direct' ? c.name : `#${c.name}` }));
      if (wide) options.push(h('option', { value: '', text: t('events.companyWide') }));
      channel.replaceChildren(...options);
      if (chosen && mine.some((c) => String(c.id) === chosen)) channel.value = chosen;
    };
    fill(app.channels);
    get('/api/channels?joined=1').then(fill, () => {});
    if (!wide) {
      get('/api/announcements/rights').then((rights) => {
        wide = rights.company || rights.departments.length > 0;
        if (wide) fill(null);
      }, () => {});
    }
  }
  const save = h('button', { class: 'btn primary', type: 'submit', dataset: { testid: 'event-form-save' }, text: existing ? t('events.save') : t('events.create') });
  const form = h(
    'form',
    { class: 'card stack event-form', dataset: { testid: 'event-form' }, novalidate: true },
    existing ? null : field(t('events.channel'), channel, t('events.channelHint')),
    field(t('events.field.title'), title),
    h('div', { class: 'event-times' }, field(t('events.starts'), starts), field(t('events.ends'), ends)),
    h('small', { class: 'muted', text: t('events.zoneHint', { zone: ZONE }) }),
    field(t('events.place'), place),
    field(t('events.link'), link),
    field(t('events.capacity'), capacity, t('events.capacityHint')),
    field(t('events.description'), description),
    error,
    h('div', { class: 'row' }, save, h('button', { class: 'btn ghost', type: 'button', onclick: cancel, text: t('common.cancel') })),
  );
  // Set by the word check's "Save anyway" (views/word_check.js) for the next send.
  let acknowledged = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.set('');
    const ack = acknowledged;
    acknowledged = false;
    const start = new Date(starts.value);
    const end = new Date(ends.value);
    if (!title.value.trim()) return error.set(t('events.error.title'));
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return error.set(t('events.error.times'));
    if (end <= start) return error.set(t('events.error.order'));
    const cap = capacity.value.trim();
    if (cap && !(/^\d+$/.test(cap) && Number(cap) >= 1 && Number(cap) <= 10000)) return error.set(t('events.error.capacity'));
    const body = {
      title: title.value.trim(),
      description: description.value,
      starts_at: start.toISOString(),
      ends_at: end.toISOString(),
      place: place.value.trim(),
      link: link.value.trim(),
      capacity: cap ? Number(cap) : null,
    };
    if (!existing && channel.value) body.channel_id = Number(channel.value);
    if (ack) body.acknowledge_warning = true;
    if (!existing && !channel.value && !channel.options.length) return error.set(t('events.error.channel'));
    save.disabled = true;
    try {
      done(existing ? await patch(`/api/gatherings/${existing.id}`, body) : await post('/api/gatherings', body));
    } catch (err) {
      const control = (field) => ({ title, description, place })[field];
      const anyway = () => {
        acknowledged = true;
        form.requestSubmit();
      };
      if (!showWordCheck(error, err, { testid: 'event-form', control, anyway })) error.set(errorText(err, { invalid: t('events.error.invalid') }));
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// ---- one event ---------------------------------------------------------------------------

function mountEvent(container, id) {
  let alive = true;
  let watching = null; // a channel watched for this page only
  const conn = app.conn;
  const page = h('div', { class: 'page event-page', dataset: { testid: 'event-page' } });
  container.replaceChildren(page);
  let asked = 0;
  let editing = false;

  async function load() {
    const mine = ++asked;
    try {
      const g = await get(`/api/gatherings/${id}`);
      if (!alive || mine !== asked) return;
      follow(g.channel_id);
      if (!editing) render(g);
    } catch (err) {
      if (!alive || mine !== asked) return;
      if (err instanceof ApiError && err.status === 404) return gone();
      page.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: errorText(err) }));
    }
  }

  function follow(channelId) {
    if (!channelId || watching === channelId || (app.channels ?? []).some((c) => c.id === channelId)) return;
    watching = channelId;
    conn?.watch(channelId);
  }

  function unfollow() {
    if (watching && !(app.channels ?? []).some((c) => c.id === watching) && app.openChannel !== watching) conn?.unwatch(watching);
    watching = null;
  }

  function gone() {
    unfollow();
    app.emit('title', t('notfound.title'));
    page.replaceChildren(notFound(t('events.notFound')));
  }

  function render(g) {
    app.emit('title', g.title);
    const error = errorBox('event-error');
    const answer = (value) =>
      h('button', {
        class: `btn${g.my_answer === value || (value === 'going' && g.my_answer === 'waitlist') ? ' primary' : ''}`,
        type: 'button',
        'aria-pressed': String(g.my_answer === value || (value === 'going' && g.my_answer === 'waitlist')),
        disabled: g.cancelled,
        dataset: { testid: `event-answer-${value}` },
        text: t(`events.answer.${value}`),
        onclick: async () => {
          error.set('');
          try {
            render(await put(`/api/gatherings/${id}/answer`, { answer: value }));
          } catch (err) {
            error.set(errorText(err, { conflict: t('events.error.closed') }));
          }
        },
      });
    const groups = ['going', 'waitlist', 'maybe'].map((kind) => {
      const people = g.attendees.filter((a) => a.answer === kind);
      if (!people.length) return null;
      return h(
        'section',
        { class: 'event-people', dataset: { testid: `event-${kind}` } },
        h('h2', { text: t(`events.people.${kind}`, { count: people.length }) }),
        h('ol', { class: 'event-names' }, people.map((a) => h('li', { dataset: { testid: 'event-person', personId: String(a.person.id) }, text: a.person.display_name }))),
      );
    });
    const actions = g.can_edit && !g.cancelled
      ? h(
          'div',
          { class: 'row' },
          h('button', { class: 'btn ghost', type: 'button', dataset: { testid: 'event-edit' }, text: t('events.edit'), onclick: () => edit(g) }),
          h('button', {
            class: 'btn danger',
            type: 'button',
            dataset: { testid: 'event-cancel' },
            text: t('events.cancel'),
            onclick: async () => {
              if (!confirm(t('events.cancelConfirm'))) return;
              try {
                render(await post(`/api/gatherings/${id}/cancel`));
              } catch (err) {
                error.set(errorText(err));
              }
            },
          }),
        )
      : null;
    setChildren(
      page,
      h('p', {}, h('a', { href: '#/events', text: t('events.back') })),
      h('div', { class: 'page-head' }, h('h1', { dataset: { testid: 'event-heading' }, text: g.title })),
      g.cancelled ? h('p', { class: 'notice warn', role: 'status', dataset: { testid: 'event-cancelled' }, text: t('events.cancelled') }) : null,
      h(
        'dl',
        { class: 'event-facts card', dataset: { testid: 'event-facts', eventId: String(g.id) } },
        h('dt', { text: t('events.when') }),
        h('dd', {}, h('time', { datetime: g.starts_at, dataset: { testid: 'event-when' }, text: eventWhen(g) }), h('small', { class: 'muted', text: ` (${ZONE})` })),
        g.place ? [h('dt', { text: t('events.place') }), h('dd', { dataset: { testid: 'event-place' }, text: g.place })] : null,
        g.link ? [h('dt', { text: t('events.link') }), h('dd', {}, h('a', { href: g.link, target: '_blank', rel: 'noopener noreferrer', text: g.link }))] : null,
        h('dt', { text: t('events.where') }),
        h('dd', {}, g.channel_id ? h('a', { href: `#/c/${g.channel_id}`, text: `#${g.channel_name}` }) : t('events.companyWide')),
        h('dt', { text: t('events.organiser') }),
        h('dd', { text: g.organiser.display_name }),
        h('dt', { text: t('events.attending') }),
        h('dd', { dataset: { testid: 'event-counts' }, 'aria-live': 'polite', text: eventCounts(g) }),
      ),
      g.description ? h('p', { class: 'event-description', text: g.description }) : null,
      h(
        'div',
        { class: 'event-answer card stack' },
        h('p', { role: 'status', dataset: { testid: 'event-mine' }, text: g.cancelled ? '' : myAnswerText(g) || t('events.mine.none') }),
        h('div', { class: 'row', role: 'group', 'aria-label': t('events.answerLabel') }, answer('going'), answer('maybe'), answer('no')),
        error,
      ),
      groups,
      h('p', { class: 'row' }, h('a', { class: 'btn ghost', href: `/api/gatherings/${id}/ics`, download: `event-${id}.ics`, dataset: { testid: 'event-ics' }, text: t('events.ics') }), h('a', { href: '#/settings?calendar', text: t('events.feedLink') })),
      actions,
    );
  }

  function edit(g) {
    editing = true;
    page.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: t('events.editTitle') })),
      eventForm(g, {
        done: (saved) => {
          editing = false;
          render(saved);
        },
        cancel: () => {
          editing = false;
          load();
        },
      }),
    );
    page.querySelector('input')?.focus();
  }

  const offs = [
    app.on('gathering', (g) => g.id === id && load()),
    app.on('channels', () => load()), // joined, left, a department closed: rights changed
  ];
  load();
  return {
    destroy() {
      alive = false;
      for (const off of offs) off();
      unfollow();
    },
  };
}
