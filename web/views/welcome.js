// #/welcome : a newcomer's welcome page (GET /api/me/welcome): who their
// mentors are, their department (and its channel), what to do first, and
// their checklist, ticked live as they do things (`checklist.updated` and
// `mentors.updated` in their own stream, which app.js passes on as
// 'onboarding'). The browser opens it at a newcomer's first sign-in; the
// sidebar and the home page link to it while they are new.
import { get } from '../api.js';
import { avatar, h } from '../dom.js';
import { formatDate, t } from '../i18n/index.js';
import { app } from '../state.js';
import { checklistView, progressBar, progressText } from './checklist.js';
import { errorText } from './errors.js';
import { openProfile } from './profile.js';

export function mount(container) {
  let alive = true;
  let page = null;
  app.emit('title', t('welcomePage.title'));
  container.replaceChildren(h('p', { class: 'muted pad', text: t('common.loading') }));

  function mentorsPart() {
    if (!page.mentors.length) return h('p', { class: 'muted', dataset: { testid: 'welcome-no-mentors' }, text: t('welcomePage.noMentors') });
    return h(
      'ul',
      { class: 'card-list mentor-list', dataset: { testid: 'welcome-mentors' } },
      page.mentors.map((m) =>
        h(
          'li',
          { dataset: { testid: 'welcome-mentor', userId: String(m.id) } },
          h(
            'button',
            { class: 'card person-card', onclick: () => openProfile(m.id) },
            avatar(m),
            h('span', { class: 'person-text' }, h('strong', { class: 'name', text: m.display_name }), h('small', { class: 'muted', text: m.department ?? t('people.noDepartment') })),
          ),
        ),
      ),
    );
  }

  function render() {
    const c = page.checklist;
    const dept = page.department_channel_id
      ? h('a', { href: `#/c/${page.department_channel_id}`, dataset: { testid: 'welcome-department' }, text: page.department })
      : h('span', { dataset: { testid: 'welcome-department' }, text: page.department ?? t('people.noDepartment') });
    container.replaceChildren(
      h(
        'div',
        { class: 'page welcome-page', dataset: { testid: 'welcome-page' } },
        h('div', { class: 'page-head' }, h('h1', { text: t('welcomePage.heading', { name: app.me.display_name }) })),
        h('p', { class: 'lead', text: page.newcomer ? t('welcomePage.lead') : t('welcomePage.notNew') }),
        page.start_date ? h('p', { class: 'muted', text: t('welcomePage.started', { date: formatDate(page.start_date) }) }) : null,
        h('section', { class: 'card welcome-card' }, h('h2', { text: t('welcomePage.department') }), h('p', {}, dept)),
        h('section', { class: 'card welcome-card' }, h('h2', { text: t('welcomePage.mentors') }), h('p', { class: 'muted', text: t('welcomePage.mentorsHint') }), mentorsPart()),
        h(
          'section',
          { class: 'card welcome-card' },
          h('h2', { text: t('welcomePage.firstSteps') }),
          h('p', { class: 'checklist-progress', dataset: { testid: 'checklist-progress' } }, progressBar(c), ' ', progressText(c)),
          checklistView(c, { editable: true, onChange: (fresh) => ((page.checklist = fresh), render()) }),
        ),
      ),
    );
  }

  get('/api/me/welcome')
    .then((found) => {
      if (!alive) return;
      page = found;
      render();
    })
    .catch((err) => alive && container.replaceChildren(h('p', { role: 'alert', class: 'pad', text: errorText(err) })));

  const off = app.on('onboarding', (f) => {
    if (!page) return;
    if (f.kind === 'checklist.updated' && f.data.newcomer_id === app.me.id) {
      page.checklist = f.data.checklist;
      render();
    } else if (f.kind === 'mentors.updated' && f.data.newcomer.id === app.me.id) {
      page.mentors = f.data.mentors;
      page.checklist = f.data.checklist;
      render();
    }
  });
  return {
    destroy() {
      alive = false;
      off();
    },
  };
}
