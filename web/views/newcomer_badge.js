// The small "new" / "新人" badge beside a newcomer's name (directory, profile
// card, posts, home feed): colleagues see whom to welcome. The server says
// who is new (`newcomer` on people and post authors); nothing is kept here.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

export function newcomerBadge(person) {
  if (!person?.newcomer) return null;
  return h('span', { class: 'tag newcomer', title: t('newcomer.badgeTitle'), dataset: { testid: 'newcomer-badge' }, text: t('newcomer.badge') });
}
