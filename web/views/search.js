// Search results (#/search?q=…&channel=…&author=…&in=…&order=…&since=…&until=…):
// the posts and comments one may read that match (GET /api/search), newest or
// best first, a page at a time. The person filter is found by name (any part,
// kana or Latin letters, as the directory finds people) and picked from a
// short list. Each result says where it was said, who said
// it and when, with a snippet whose matched words are marked: the server
// sends the snippet as segments of plain text, drawn here as text nodes and
// <mark>s, never as HTML. A result opens its post in its channel, a comment
// in its thread (#/c/<channel>/p/<post>).
import { get } from '../api.js';
import { debounce, field, h, uniqueId } from '../dom.js';
import { formatFull, formatWhen, t } from '../i18n/index.js';
import { app } from '../state.js';
import { errorText } from './errors.js';
import { pollResults } from './poll.js';

/** A date from an <input type=date> as the start of that day here, in ISO (UTC). */
function startOfDay(date, plusDays = 0) {
  const [y, m, d] = date.split('-').map(Number);
  const local = new Date(y, m - 1, d + plusDays);
  return Number.isNaN(local.getTime()) ? null : local.toISOString();
}

/** What to ask the API for what the page's URL says (dates as local days). */
export function apiQuery(asked) {
  const out = new URLSearchParams({ q: asked.get('q') ?? '' });
  for (const name of ['channel', 'author', 'in', 'order']) {
    if (asked.get(name)) out.set(name, asked.get(name));
  }
  const since = asked.get('since') && startOfDay(asked.get('since'));
  const until = asked.get('until') && startOfDay(asked.get('until'), 1); // to its end
  if (since) out.set('since', since);
  if (until) out.set('until', until);
  return out;
}

/** A snippet's segments as text, the matches in <mark>. */
export function snippetNodes(segments) {
  return segments.map((s) => (s.hit ? h('mark', { text: s.text }) : document.createTextNode(s.text)));
}

function resultItem(hit) {
  const { post, channel } = hit;
  const thread = post.parent_id ?? post.id;
  return h(
    'li',
    { dataset: { testid: 'search-result', postId: String(post.id) } },
    h(
      'a',
      { class: 'card search-hit', href: `#/c/${channel.id}/p/${thread}` },
      h(
        'span',
        { class: 'search-meta' },
        h('strong', { class: 'search-channel', text: channel.name }),
        h('span', { text: post.author.anonymous ? t('question.anonymous') : post.author.display_name }),
        h('time', { datetime: post.created_at, title: formatFull(post.created_at), text: formatWhen(post.created_at) }),
        post.parent_id ? h('span', { class: 'badge', text: t('search.comment') }) : null,
      ),
      h('span', { class: 'search-snippet', dataset: { testid: 'search-snippet' } }, snippetNodes(hit.snippet)),
      post.poll ? pollResults(post.poll) : null,
    ),
  );
}

export function mount(container, params) {
  const asked = new URLSearchParams(params[0] ?? '');
  const q = asked.get('q') ?? '';
  let alive = true;
  let next = null; // {before} or {offset} of the next page
  app.emit('title', q ? t('search.titleFor', { q }) : t('search.title'));

  const input = h('input', { type: 'search', name: 'q', value: q, maxlength: '200', dataset: { testid: 'search-input' } });
  const select = (name, options) =>
    h(
      'select',
      { name, dataset: { testid: `search-${name}` } },
      options.map(([value, label]) => h('option', { value, text: label, selected: (asked.get(name) ?? '') === value })),
    );
  const within = select('in', [
    ['', t('search.in.all')],
    ['posts', t('search.in.posts')],
    ['comments', t('search.in.comments')],
  ]);
  const order = select('order', [
    ['', t('search.order.newest')],
    ['best', t('search.order.best')],
  ]);
  const channel = select('channel', [
    ['', t('search.channel.all')],
    ...app.channels.map((c) => [String(c.id), c.name]),
  ]);
  // Who said it: a name typed, a person picked from what it finds (their id
  // goes in the URL); empty is anyone.
  let author = null; // {id, display_name} picked, or null
  const person = h('input', { type: 'search', name: 'person', autocomplete: 'off', placeholder: t('search.person.anyone'), dataset: { testid: 'search-person' } });
  const found = h('ul', { class: 'pick-list search-people', hidden: true, 'aria-label': t('search.person.found'), dataset: { testid: 'search-person-found' } });
  const radios = uniqueId('author');
  let asking = 0;
  async function findPeople() {
    const mine = ++asking;
    const typed = person.value.trim();
    if (!typed) {
      found.hidden = true;
      found.replaceChildren();
      return;
    }
    let people = [];
    try {
      people = (await get(`/api/users?q=${encodeURIComponent(typed)}&limit=8`, { quiet: true })).filter((p) => p.is_active !== false);
    } catch {
      people = [];
    }
    if (!alive || mine !== asking) return;
    found.hidden = false;
    found.replaceChildren(
      ...(people.length
        ? people.map((p) =>
            h(
              'li',
              {},
              h(
                'label',
                { class: 'pick', dataset: { testid: 'search-person-option', userId: String(p.id) } },
                h('input', {
                  type: 'radio',
                  name: radios,
                  value: String(p.id),
                  onchange: () => {
                    author = { id: p.id, display_name: p.display_name };
                    person.value = p.display_name;
                    found.hidden = true;
                    person.focus();
                  },
                }),
                h('span', { text: p.display_name }),
                p.department ? h('small', { class: 'muted', text: p.department }) : null,
              ),
            ),
          )
        : [h('li', { class: 'muted', text: t('search.person.nobody') })]),
    );
  }
  const debouncedFind = debounce(findPeople, 250);
  person.addEventListener('input', () => {
    author = null;
    debouncedFind();
  });
  if (asked.get('author')) {
    author = { id: Number(asked.get('author')), display_name: '' };
    get(`/api/users/${author.id}`, { quiet: true })
      .then((p) => {
        if (alive && author?.id === p.id && !person.value) {
          author.display_name = p.display_name;
          person.value = p.display_name;
        }
      })
      .catch(() => {});
  }
  const since = h('input', { type: 'date', name: 'since', value: asked.get('since') ?? '', dataset: { testid: 'search-since' } });
  const until = h('input', { type: 'date', name: 'until', value: asked.get('until') ?? '', dataset: { testid: 'search-until' } });
  const form = h(
    'form',
    { class: 'search-form', role: 'search', onsubmit: submit },
    h('div', { class: 'search-row' }, field(t('search.label'), input)),
    h(
      'div',
      { class: 'search-filters' },
      field(t('search.channel'), channel),
      h('div', { class: 'search-person' }, field(t('search.person'), person), found),
      field(t('search.in'), within),
      field(t('search.order'), order),
      field(t('search.since'), since),
      field(t('search.until'), until),
      h('button', { class: 'btn primary', type: 'submit', text: t('search.submit') }),
    ),
  );
  const status = h('p', { class: 'muted', role: 'status', dataset: { testid: 'search-status' } });
  const results = h('ol', { class: 'card-list search-results', 'aria-label': t('search.results'), dataset: { testid: 'search-results' } });
  const more = h('button', { class: 'btn', hidden: true, text: t('search.more'), dataset: { testid: 'search-more' }, onclick: () => load() });
  container.replaceChildren(
    h(
      'div',
      { class: 'page', dataset: { testid: 'search-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('search.title') })),
      form,
      status,
      results,
      more,
    ),
  );

  function submit(ev) {
    ev.preventDefault();
    const wanted = new URLSearchParams({ q: input.value.trim() });
    if (person.value.trim() && !author) {
      status.textContent = t('search.person.choose');
      person.focus();
      return;
    }
    for (const el of [channel, within, order, since, until]) if (el.value) wanted.set(el.name, el.value);
    if (author && person.value.trim()) wanted.set('author', String(author.id));
    location.hash = `#/search?${wanted}`;
  }

  async function load() {
    more.hidden = true;
    const query = apiQuery(asked);
    if (next?.before) query.set('before', String(next.before));
    if (next?.offset) query.set('offset', String(next.offset));
    status.textContent = t('common.loading');
    try {
      const page = await get(`/api/search?${query}`);
      if (!alive) return;
      results.append(...page.results.map(resultItem));
      next = page.before ? { before: page.before } : page.offset ? { offset: page.offset } : null;
      more.hidden = !next;
      if (!results.childElementCount) {
        status.textContent = page.terms.length ? t('search.none', { q }) : t('search.nothing');
      } else {
        status.textContent = '';
      }
    } catch (err) {
      if (alive) status.textContent = errorText(err);
    }
  }

  if (q.trim()) load();
  else status.textContent = t('search.nothing');
  if (!q) input.focus();
  return {
    destroy() {
      alive = false;
    },
  };
}
