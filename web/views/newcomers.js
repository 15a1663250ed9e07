// #/newcomers : "My newcomers", for a mentor (GET /api/me/newcomers): each
// newcomer they mentor, with their department, start date and checklist
// progress, live (`checklist.updated`, `mentors.updated` in one's stream).
import { get } from '../api.js';
import { avatar, h } from '../dom.js';
import { formatDate, t } from '../i18n/index.js';
import { app } from '../state.js';
import { checklistView, progressBar, progressText } from './checklist.js';
import { errorText } from './errors.js';
import { newcomerBadge } from './newcomer_badge.js';
import { openProfile } from './profile.js';

export function mount(container) {
  let alive = true;
  let newcomers = null;
  app.emit('title', t('newcomers.title'));
  container.replaceChildren(h('p', { class: 'muted pad', text: t('common.loading') }));

  function card(n) {
    const p = n.person;
    return h(
      'li',
      { class: 'card newcomer-card', dataset: { testid: 'my-newcomer', userId: String(p.id) } },
      h(
        'button',
        { class: 'person-card plain', onclick: () => openProfile(p.id) },
        avatar(p),
        h(
          'span',
          { class: 'person-text' },
          h('strong', { class: 'name' }, p.display_name, ' ', newcomerBadge(p)),
          h('small', { class: 'muted', text: p.department ?? t('people.noDepartment') }),
          n.start_date ? h('small', { class: 'muted', text: t('welcomePage.started', { date: formatDate(n.start_date) }) }) : null,
        ),
      ),
      h('p', { class: 'checklist-progress', dataset: { testid: 'newcomer-progress' } }, progressBar(n.checklist), ' ', progressText(n.checklist)),
      checklistView(n.checklist),
    );
  }

  function render() {
    container.replaceChildren(
      h(
        'div',
        { class: 'page newcomers-page', dataset: { testid: 'newcomers-page' } },
        h('div', { class: 'page-head' }, h('h1', { text: t('newcomers.title') })),
        h('p', { class: 'muted', text: t('newcomers.lead') }),
        newcomers.length
          ? h('ul', { class: 'card-list', dataset: { testid: 'my-newcomers' } }, newcomers.map(card))
          : h('p', { class: 'muted', dataset: { testid: 'newcomers-none' }, text: t('newcomers.none') }),
      ),
    );
  }

  function load() {
    return get('/api/me/newcomers')
      .then((found) => {
        if (!alive) return;
        newcomers = found;
        render();
      })
      .catch((err) => alive && container.replaceChildren(h('p', { role: 'alert', class: 'pad', text: errorText(err) })));
  }
  load();

  const off = app.on('onboarding', (f) => {
    if (!newcomers) return;
    if (f.kind === 'checklist.updated') {
      const n = newcomers.find((x) => x.person.id === f.data.newcomer_id);
      if (n) {
        n.checklist = f.data.checklist;
        render();
      }
    } else if (f.kind === 'mentors.updated' && f.data.newcomer.id !== app.me.id) {
      load(); // one gained or lost a newcomer: the server's list, in its order
    }
  });
  return {
    destroy() {
      alive = false;
      off();
    },
  };
}
