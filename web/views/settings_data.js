// Account settings: download my data (GET /api/me/export): one JSON file with
// one's profile, posts and comments, likes, files (with where each downloads
// from), direct messages, notifications and preferences.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

export function dataSection() {
  const title = t('settings.data');
  const el = h(
    'section',
    { id: 'settings-data', class: 'admin-section', 'aria-labelledby': 'settings-data-title' },
    h('h2', { id: 'settings-data-title', tabindex: '-1', text: title }),
    h('p', { class: 'muted', text: t('myData.lead') }),
    h('div', { class: 'row' }, h('a', { class: 'btn', href: '/api/me/export', download: '', dataset: { testid: 'my-data-download' }, text: t('myData.download') })),
  );
  return { el, title };
}
