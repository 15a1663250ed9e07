// The pages a link from outside opens (#/invite/<token>, #/reset/<token>,
// #/unsubscribe/<token>), signed in or not: a card under the brand that loads
// what the link is about (GET `path`), then lets the page draw it (`render`),
// or says plainly that the link is not good (any more).
import { get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorText } from './errors.js';
import { languagePicker } from './langpick.js';

export function brand() {
  return h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true', text: '会' }), 'Kaisha');
}

/**
 * @param opts {testid, path, invalidTitle, invalidText (message keys), toSignin (a link to sign in
 *              under a bad link's message), render(info)}
 * @returns {card, alive() -> bool, destroy()}: the page's view
 */
export function linkPage(container, { testid, path, invalidTitle, invalidText, toSignin = false, render }) {
  let alive = true;
  const card = h('section', { class: 'center-card', 'aria-busy': 'true', dataset: { testid: `${testid}-page` } });
  container.replaceChildren(h('div', { class: 'auth-page' }, card));
  card.append(h('p', { class: 'muted', text: t('common.loading') }));
  get(path)
    .then((info) => {
      if (!alive) return;
      card.setAttribute('aria-busy', 'false');
      render(info);
    })
    .catch((err) => {
      if (!alive) return;
      card.setAttribute('aria-busy', 'false');
      card.replaceChildren(
        brand(),
        h('h1', { text: t(invalidTitle) }),
        h('p', { role: 'alert', dataset: { testid: `${testid}-invalid` }, text: err.code === 'not_found' ? t(invalidText) : errorText(err) }),
        toSignin ? h('p', {}, h('a', { href: '#/signin', text: t('invite.toSignin') })) : null,
        languagePicker(),
      );
    });
  return {
    card,
    alive: () => alive,
    destroy() {
      alive = false;
    },
  };
}
