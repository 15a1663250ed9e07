// Admin → Accounts: a "reset link" for a person who forgot their password
// (POST /api/users/{id}/reset-link): a one-time link, shown to copy and hand
// on, with which they choose a new password (#/reset/<token>). A newer link
// replaces an older one.
import { post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { copyBox } from './copy.js';
import { errorText, toast } from './errors.js';

/** Add the action to an account row (its .account-controls) and the link's place below. */
export function addResetLink(li, person) {
  const area = h('div', { class: 'account-extra', hidden: true, dataset: { testid: 'reset-link-area' } });
  const button = h('button', {
    type: 'button',
    class: 'btn small',
    dataset: { testid: 'account-reset-link' },
    // For an account without a password yet, it is the link to its first one.
    text: person.pending ? t('admin.newLink') : t('resets.make'),
    onclick: async () => {
      button.disabled = true;
      try {
        const issued = await post(`/api/users/${person.id}/reset-link`);
        const box = copyBox(issued.url, {
          label: t('resets.ready', { name: person.display_name }),
          hint: person.pending
            ? t('resets.firstHint', { name: person.display_name, days: Math.round(issued.expires_in_hours / 24) })
            : t('resets.hint', { name: person.display_name, hours: issued.expires_in_hours }),
          testid: 'reset-link-url',
          copied: t('admin.copied'),
        });
        area.replaceChildren(box.el);
        area.hidden = false;
        box.focus();
      } catch (err) {
        toast(err.code === 'not_found' ? t('resets.inactive') : errorText(err));
      } finally {
        button.disabled = false;
      }
    },
  });
  (li.querySelector('.account-controls') ?? li).append(button);
  li.append(area);
}
