// Account settings (#/settings, from the sidebar's own card): one's password,
// the sessions one is signed in with (browsers), one's API tokens (bots) and
// mail about mentions left unread, one's calendar feed, the people one
// blocked, one's warnings and sanctions (with an appeal each), one's reports,
// and one's own data to download.
// Each section is its own module; this page puts them together.
import { h } from '../dom.js';
import { Emitter } from '../emitter.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { blocksSection } from './settings_blocks.js';
import { calendarSection } from './settings_calendar.js';
import { dataSection } from './settings_data.js';
import { emailSection } from './settings_email.js';
import { passwordSection } from './settings_password.js';
import { reportsSection, sanctionsSection } from './settings_moderation.js';
import { sessionsSection } from './settings_sessions.js';
import { tokensSection } from './settings_tokens.js';

export function mount(container, params, { signOut }) {
  app.emit('title', t('settings.title'));
  // Shared by the sections: a password change ends the other sessions.
  const shared = new Emitter();
  const sections = [
    passwordSection(shared),
    sessionsSection(shared, { signOut }),
    tokensSection(),
    emailSection(),
    calendarSection(),
    blocksSection(),
    sanctionsSection(),
    reportsSection(),
    dataSection(),
  ];
  const me = app.me;
  container.replaceChildren(
    h(
      'div',
      { class: 'page settings', dataset: { testid: 'settings-page' } },
      h(
        'div',
        { class: 'page-head' },
        h('h1', { text: t('settings.title') }),
        h('p', { class: 'muted', dataset: { testid: 'settings-who' }, text: `${me.display_name} · ${me.email}` }),
      ),
      h(
        'nav',
        { class: 'tabs', 'aria-label': t('admin.sections') },
        sections.map((s) => h('a', { href: `#${s.el.id}`, onclick: jump, text: s.title })),
      ),
      sections.map((s) => s.el),
    ),
  );

  // #/settings?sanctions (a moderation notice's link): that section.
  if (params?.[0]) requestAnimationFrame(() => document.getElementById(`settings-${params[0]}`)?.scrollIntoView({ block: 'start' }));

  function jump(ev) {
    // In-page links would change the route; scroll instead.
    ev.preventDefault();
    const target = document.getElementById(ev.currentTarget.getAttribute('href').slice(1));
    target?.scrollIntoView({ behavior: 'smooth', block: 'start' });
    target?.querySelector('h2')?.focus();
  }

  return {
    destroy() {
      for (const s of sections) s.destroy?.();
    },
  };
}
