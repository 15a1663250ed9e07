// A page for addresses that lead nowhere (and channels one may not see).
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';

export function notFound(message) {
  return h(
    'section',
    { class: 'empty-state', dataset: { testid: 'not-found' } },
    h('h1', { text: t('notfound.title') }),
    h('p', { text: message ?? t('notfound.lead') }),
    h('a', { class: 'btn', href: '#/', text: t('notfound.home') }),
  );
}

export function mount(container) {
  app.emit('title', t('notfound.title'));
  container.replaceChildren(notFound());
  return { destroy() {} };
}
