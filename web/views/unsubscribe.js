// The unsubscribe link of a mail about unread mentions (#/unsubscribe/<token>),
// opened signed in or not: says whose mail it stops (GET
// /api/unsubscribe/{token}) and stops it only when asked (POST), so a link
// scanner that opens the page changes nothing.
import { post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText } from './errors.js';
import { languagePicker } from './langpick.js';
import { brand, linkPage } from './link_page.js';

export function mount(container, [token]) {
  document.title = `${t('unsubscribe.title')} · Kaisha`;
  const path = `/api/unsubscribe/${encodeURIComponent(token)}`;
  const page = linkPage(container, { testid: 'unsubscribe', path, invalidTitle: 'unsubscribe.title', invalidText: 'unsubscribe.invalid', render });
  const { card } = page;

  function render(info) {
    const error = errorBox('unsubscribe-error');
    const submit = h('button', { type: 'button', class: 'btn primary wide', dataset: { testid: 'unsubscribe-submit' }, text: t('unsubscribe.submit'), onclick: onSubmit });
    const lead = h('p', { dataset: { testid: 'unsubscribe-lead' }, text: t(info.mention_email ? 'unsubscribe.lead' : 'unsubscribe.done', { name: info.display_name }) });
    card.replaceChildren(brand(), h('h1', { text: t('unsubscribe.title') }), lead, error, info.mention_email ? submit : null, h('p', { class: 'muted small', text: t('unsubscribe.settings') }), languagePicker());

    async function onSubmit() {
      error.set('');
      submit.disabled = true;
      try {
        const done = await post(path);
        if (!page.alive()) return;
        lead.textContent = t('unsubscribe.done', { name: done.display_name });
        submit.remove();
      } catch (err) {
        error.set(err.code === 'not_found' ? t('unsubscribe.invalid') : errorText(err));
        submit.disabled = false;
      }
    }
  }

  return page;
}
