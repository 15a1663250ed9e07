// The people directory, in reading order: search by name, reading (either
// kana), its Latin spelling (and email, for admins); name, reading,
// department, online.
import { get } from '../api.js';
import { avatar, debounce, field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { app, isAdmin, notePresence } from '../state.js';
import { errorText, toast } from './errors.js';
import { newcomerBadge } from './newcomer_badge.js';
import { openProfile, statusDot } from './profile.js';
import { startConversation } from '../direct.js';
import { icon } from '../icons.js';

export function mount(container, params = []) {
  let alive = true;
  if (params[0]) openProfile(Number(params[0])); // #/people/<id>: a mention opened in a new tab
  let seq = 0;
  let people = [];
  app.emit('title', t('people.title'));
  const search = h('input', { type: 'search', autocomplete: 'off', dataset: { testid: 'people-search' } });
  const searchLabel = isAdmin() ? t('people.searchAdmin') : t('people.search');
  const results = h('ul', { class: 'card-list people-grid', dataset: { testid: 'people-results' } });
  container.replaceChildren(
    h(
      'div',
      { class: 'page', dataset: { testid: 'people-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('people.title') })),
      h('div', { class: 'search-row' }, field(searchLabel, search)),
      results,
    ),
  );

  function render() {
    results.replaceChildren(
      ...(people.length
        ? people.map((p) => {
            const status = app.presence.get(p.id) ?? p.status;
            return h(
              'li',
              { dataset: { testid: 'person', userId: String(p.id), status } },
              h(
                'button',
                { class: 'card person-card', onclick: () => openProfile(p.id) },
                h('span', { class: 'avatar-wrap' }, avatar(p), statusDot(status)),
                h(
                  'span',
                  { class: 'person-text' },
                  h('strong', { class: 'name' }, p.display_name, ' ', newcomerBadge(p)),
                  p.reading ? h('small', { class: 'reading', dataset: { testid: 'person-reading' }, text: p.reading }) : null,
                  h('small', { class: 'muted', text: p.department ?? t('people.noDepartment') }),
                  h('small', { class: `status-text ${status}`, text: t(`status.${status}`) }),
                ),
              ),
              p.id === app.me?.id
                ? null
                : h(
                    'button',
                    {
                      class: 'btn small ghost person-message',
                      title: t('dm.messageTo', { name: p.display_name }),
                      'aria-label': t('dm.messageTo', { name: p.display_name }),
                      dataset: { testid: 'person-message' },
                      onclick: () => startConversation([p.id]).catch((err) => toast(errorText(err, { forbidden: t('dm.cannotStart') }))),
                    },
                    icon('comment', { size: 16 }),
                  ),
            );
          })
        : [h('li', { class: 'muted', text: t('people.none') })]),
    );
  }

  async function find() {
    const mine = ++seq;
    const q = search.value.trim();
    try {
      const list = await get(`/api/users${q ? `?q=${encodeURIComponent(q)}` : ''}`);
      if (!alive || mine !== seq) return;
      people = list.filter((p) => p.is_active);
      notePresence(people);
      render();
    } catch (err) {
      if (alive) results.replaceChildren(h('li', { role: 'alert', text: errorText(err) }));
    }
  }

  const off = app.on('presence', ({ user }) => people.some((p) => p.id === user) && render());
  search.addEventListener('input', debounce(find, 250));
  find();
  return {
    destroy() {
      alive = false;
      off();
    },
  };
}
