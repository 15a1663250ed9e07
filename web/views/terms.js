// #/terms: the terms of use in force, one click from every page (the
// sidebar's foot), with Accept when one has not accepted them yet.
import { get } from '../api.js';
import { h } from '../dom.js';
import { formatDate, t } from '../i18n/index.js';
import { safeFragment } from '../safe_html.js';
import { app } from '../state.js';
import { showTermsPrompt } from './terms_prompt.js';
import { errorText } from './errors.js';

export function mount(container) {
  app.emit('title', t('terms.title'));
  const body = h('div', { class: 'card terms-body post-body', dataset: { testid: 'terms-page-body' } }, h('p', { class: 'muted', text: t('common.loading') }));
  const meta = h('p', { class: 'muted small' });
  const standing = h('div', { dataset: { testid: 'terms-standing' } });
  container.replaceChildren(h('div', { class: 'page' }, h('div', { class: 'page-head' }, h('h1', { text: t('terms.title') })), meta, standing, body));
  let alive = true;

  function drawStanding() {
    if (!app.terms.needed) return standing.replaceChildren();
    standing.replaceChildren(
      h('p', { class: 'notice' }, h('span', { text: t('terms.needed') }), ' ', h('button', { type: 'button', class: 'btn primary', dataset: { testid: 'terms-page-accept' }, text: t('terms.readAndAccept'), onclick: () => showTermsPrompt() })),
    );
  }

  get('/api/terms')
    .then((terms) => {
      if (!alive) return;
      if (!terms.version) {
        body.replaceChildren(h('p', { class: 'muted', dataset: { testid: 'terms-none' }, text: t('terms.none') }));
        return;
      }
      meta.textContent = t('terms.version', { version: terms.version, date: formatDate(terms.published_at) });
      body.replaceChildren(safeFragment(terms.html));
    })
    .catch((err) => alive && body.replaceChildren(h('p', { class: 'error', text: errorText(err) })));
  drawStanding();
  const off = app.on('terms', drawStanding);
  return {
    destroy() {
      alive = false;
      off();
    },
  };
}
