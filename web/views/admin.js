// Administration (admins only): accounts, invitation links, departments, their
// announcers, files,
// the company's time zone, terms of use, the word check, the audit log, and
// retention and export.
import { get } from '../api.js';
import { h } from '../dom.js';
import { Emitter } from '../emitter.js';
import { t } from '../i18n/index.js';
import { app, isAdmin } from '../state.js';
import { accountsSection } from './admin_accounts.js';
import { announcersSection } from './admin_announcers.js';
import { auditSection } from './admin_audit.js';
import { dataSection } from './admin_data.js';
import { departmentsSection } from './admin_departments.js';
import { filesSection } from './admin_files.js';
import { invitesSection } from './admin_invites.js';
import { termsSection, wordsSection } from './admin_terms.js';
import { notFound } from './notfound.js';
import { onboardingSection } from './admin_onboarding.js';
import { questionsSection } from './admin_questions.js';
import { timezoneSection } from './admin_timezone.js';

export function mount(container) {
  if (!isAdmin()) {
    app.emit('title', t('notfound.title'));
    container.replaceChildren(notFound(t('admin.only')));
    return { destroy() {} };
  }
  app.emit('title', t('admin.title'));
  // Shared by the sections: the department list, reloaded when one changes.
  const shared = new Emitter();
  shared.departments = [];
  shared.reloadDepartments = async () => {
    shared.departments = await get('/api/departments');
    shared.emit('departments', shared.departments);
  };
  const sections = [accountsSection(shared), invitesSection(shared), departmentsSection(shared), announcersSection(shared), onboardingSection(shared), questionsSection(), timezoneSection(), filesSection(), termsSection(), wordsSection(), auditSection(), dataSection()];
  container.replaceChildren(
    h(
      'div',
      { class: 'page admin', dataset: { testid: 'admin-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('admin.title') })),
      h(
        'nav',
        { class: 'tabs', 'aria-label': t('admin.sections') },
        h('a', { href: '#admin-accounts', onclick: jump, text: t('admin.accounts') }),
        h('a', { href: '#admin-invites', onclick: jump, text: t('admin.invites') }),
        h('a', { href: '#admin-departments', onclick: jump, text: t('admin.departments') }),
        h('a', { href: '#admin-announcers', onclick: jump, dataset: { testid: 'admin-announcers-link' }, text: t('admin.announcers') }),
        h('a', { href: '#admin-onboarding', onclick: jump, text: t('admin.onboarding') }),
        h('a', { href: '#admin-questions', onclick: jump, text: t('admin.questions') }),
        h('a', { href: '#admin-timezone', onclick: jump, text: t('admin.timezone') }),
        h('a', { href: '#admin-files', onclick: jump, text: t('admin.files') }),
        h('a', { href: '#admin-terms', onclick: jump, text: t('admin.terms') }),
        h('a', { href: '#admin-words', onclick: jump, text: t('admin.words') }),
        h('a', { href: '#admin-audit', onclick: jump, text: t('admin.audit') }),
        h('a', { href: '#/analytics', dataset: { testid: 'admin-analytics-link' }, text: t('admin.analytics') }),
        h('a', { href: '#admin-data', onclick: jump, text: t('admin.data') }),
      ),
      sections.map((s) => s.el),
    ),
  );
  shared.reloadDepartments().catch(() => {});

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
