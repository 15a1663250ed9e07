// A person's profile card, as a modal dialog opened from anywhere a name is shown.
import { get } from '../api.js';
import { avatar, h } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';
import { app, notePresence } from '../state.js';
import { errorText } from './errors.js';

export function statusDot(status) {
  return h('span', {
    class: `dot ${status || 'offline'}`,
    role: 'img',
    'aria-label': t(`status.${status || 'offline'}`),
    title: t(`status.${status || 'offline'}`),
  });
}

/** A modal <dialog> with a title and a close button; removed from the page when closed. */
export function modal(title, testid) {
  const heading = h('h2', { id: `${testid}-title`, text: title });
  const body = h('div', { class: 'modal-body' });
  const dialog = h(
    'dialog',
    { class: 'modal', 'aria-labelledby': heading.id, dataset: { testid } },
    h(
      'div',
      { class: 'modal-head' },
      heading,
      h('button', { class: 'icon-btn', 'aria-label': t('common.close'), dataset: { testid: 'modal-close' }, onclick: () => dialog.close(), }, icon('close')),
    ),
    body,
  );
  dialog.addEventListener('close', () => dialog.remove());
  dialog.addEventListener('click', (ev) => ev.target === dialog && dialog.close()); // the backdrop
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, heading };
}

export async function openProfile(userId) {
  const { body, heading } = modal(t('people.profile'), 'profile-card');
  body.append(h('p', { class: 'muted', text: t('common.loading') }));
  try {
    const person = await get(`/api/users/${userId}`);
    notePresence([person]);
    const status = app.presence.get(person.id) ?? person.status;
    heading.textContent = person.display_name;
    const facts = [
      [t('people.department'), person.department ?? t('people.noDepartment')],
      [t('people.email'), person.email],
      [t('people.role'), t(`role.${person.role}`)],
      [t('people.status'), t(`status.${status}`)],
    ];
    if (!person.is_active) facts.push([t('people.account'), t('people.deactivated')]);
    body.replaceChildren(
      h(
        'div',
        { class: 'profile' },
        h('div', { class: 'profile-top' }, avatar(person, 'large'), statusDot(status)),
        h(
          'dl',
          { class: 'facts-list' },
          facts.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]),
        ),
        h('p', {}, h('a', { href: `mailto:${person.email}`, class: 'btn', text: t('people.sendMail') })),
      ),
    );
  } catch (err) {
    body.replaceChildren(h('p', { role: 'alert', text: errorText(err) }));
  }
}
