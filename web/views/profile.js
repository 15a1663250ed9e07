// A person's profile card, as a modal dialog opened from anywhere a name is
// shown, with what they shared (where the viewer may see it) on request.
import { del, get, patch, put } from '../api.js';
import { startConversation } from '../direct.js';
import { avatar, field, h } from '../dom.js';
import { icon } from '../icons.js';
import { locale, t } from '../i18n/index.js';
import { app, notePresence } from '../state.js';
import { errorBox, errorText, toast } from './errors.js';
import { FilesList } from './files_list.js';
import { newcomerBadge } from './newcomer_badge.js';
import { reportForm } from './report.js';

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
  const { dialog, body, heading } = modal(t('people.profile'), 'profile-card');
  let blocked = false;
  body.append(h('p', { class: 'muted', text: t('common.loading') }));
  try {
    const [person, blocks] = await Promise.all([get(`/api/users/${userId}`), get('/api/blocks').catch(() => [])]);
    notePresence([person]);
    blocked = blocks.some((b) => b.id === person.id);
    showCard(person);
  } catch (err) {
    body.replaceChildren(h('p', { role: 'alert', text: errorText(err) }));
  }

  function showCard(person) {
    const status = app.presence.get(person.id) ?? person.status;
    heading.replaceChildren(person.display_name, ' ', newcomerBadge(person) ?? '');
    const facts = [];
    if (person.reading) facts.push([t('people.reading'), person.reading, 'profile-reading']);
    facts.push([t('people.department'), person.department ?? t('people.noDepartment'), 'profile-department']);
    // Null unless one may see it (admins, oneself, or SHOW_EMAILS).
    if (person.email) facts.push([t('people.email'), person.email, 'profile-email']);
    facts.push([t('people.role'), t(`role.${person.role}`), 'profile-role']);
    facts.push([t('people.status'), t(`status.${status}`), 'profile-status']);
    if (person.start_date) facts.push([t('people.startDate'), formatDate(person.start_date), 'profile-start']);
    if (!person.is_active) facts.push([t('people.account'), t('people.deactivated'), 'profile-inactive']);
    const mine = person.id === app.me?.id;
    body.replaceChildren(
      h(
        'div',
        { class: 'profile' },
        h('div', { class: 'profile-top' }, avatar(person, 'large'), statusDot(status)),
        person.bio ? h('p', { class: 'bio', dataset: { testid: 'profile-bio' }, text: person.bio }) : null,
        h(
          'dl',
          { class: 'facts-list' },
          facts.map(([k, v, testid]) => [h('dt', { text: k }), h('dd', { dataset: { testid }, text: v })]),
        ),
        mine ? null : directActions(person),
        person.email || mine
          ? h(
              'p',
              { class: 'row' },
              person.email ? h('a', { href: `mailto:${person.email}`, class: 'btn', text: t('people.sendMail') }) : null,
              mine ? h('button', { class: 'btn primary', dataset: { testid: 'profile-edit' }, onclick: () => editForm(person), text: t('profile.edit') }) : null,
            )
          : null,
        mine || !person.is_active ? null : reportPerson(person),
        sharedFiles(person),
      ),
    );
  }

  /** Send a message (a conversation of two: the existing one, or a new one), block or unblock. */
  function directActions(person) {
    const error = errorBox('profile-dm-error');
    const message = person.is_active && !blocked
      ? h('button', {
          class: 'btn primary',
          dataset: { testid: 'profile-message' },
          text: t('dm.message'),
          onclick: async () => {
            message.disabled = true;
            try {
              await startConversation([person.id]);
              dialog.close();
            } catch (err) {
              error.set(errorText(err, { forbidden: t('dm.cannotStart') }));
              message.disabled = false;
            }
          },
        })
      : null;
    const row = h('p', { class: 'row' });
    async function toggle() {
      error.set('');
      try {
        if (blocked) await del(`/api/blocks/${person.id}`);
        else await put(`/api/blocks/${person.id}`);
        blocked = !blocked;
        toast(blocked ? t('dm.blockedToast', { name: person.display_name }) : t('dm.unblockedToast', { name: person.display_name }));
        showCard(person);
      } catch (err) {
        error.set(errorText(err));
        row.replaceChildren(message ?? '', block);
      }
    }
    // Blocking asks first, in place (what it does, then Block or Cancel).
    function confirmBlock() {
      const yes = h('button', { type: 'button', class: 'btn small danger', dataset: { testid: 'profile-block-confirm' }, text: t('dm.block'), onclick: (ev) => { ev.currentTarget.disabled = true; toggle(); } });
      const no = h('button', { type: 'button', class: 'btn small', text: t('common.cancel'), onclick: () => row.replaceChildren(message ?? '', block) });
      row.replaceChildren(h('span', { class: 'confirm-text', role: 'alert', text: t('dm.blockConfirm', { name: person.display_name }) }), yes, no);
      no.focus();
    }
    const block = h('button', {
      class: 'btn ghost',
      dataset: { testid: blocked ? 'profile-unblock' : 'profile-block' },
      text: blocked ? t('dm.unblock') : t('dm.block'),
      onclick: () => (blocked ? toggle() : confirmBlock()),
    });
    row.replaceChildren(message ?? '', block);
    return h('div', { class: 'stack' }, row, error);
  }

  /** Report this person to the moderators (a form that opens in place). */
  function reportPerson(person) {
    const slot = h('div', { class: 'profile-report' });
    const open = () => {
      const form = reportForm({ user_id: person.id }, { onDone: closed });
      slot.replaceChildren(form.el);
      form.focus();
    };
    const closed = () =>
      slot.replaceChildren(h('button', { type: 'button', class: 'link-btn quiet-link', dataset: { testid: 'profile-report' }, onclick: open, text: t('report.person') }));
    closed();
    return slot;
  }

  /** What they shared, listed when asked for (a request fewer for every card opened). */
  function sharedFiles(person) {
    const list = new FilesList(`/api/users/${person.id}/files`, {
      showChannel: true,
      testid: 'profile-files',
      onNavigate: () => dialog.close(),
    });
    dialog.addEventListener('close', () => list.destroy());
    let loaded = false;
    const details = h(
      'details',
      {
        class: 'profile-files',
        dataset: { testid: 'profile-files-section' },
        ontoggle: () => {
          if (details.open && !loaded) {
            loaded = true;
            list.load();
          }
        },
      },
      h('summary', { dataset: { testid: 'profile-files-toggle' }, text: t('files.shared') }),
      list.el,
    );
    return details;
  }

  function editForm(person) {
    heading.textContent = t('profile.editTitle');
    const name = h('input', { type: 'text', required: true, maxlength: '100', value: person.display_name, autocomplete: 'name', dataset: { testid: 'profile-name-input' } });
    const reading = h('input', { type: 'text', maxlength: '100', value: person.reading, dataset: { testid: 'profile-reading-input' } });
    const bio = h('textarea', { rows: '4', maxlength: '500', dataset: { testid: 'profile-bio-input' } });
    bio.value = person.bio ?? '';
    const error = errorBox('profile-error');
    const save = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'profile-save' }, text: t('common.save') });
    const cancel = h('button', { type: 'button', class: 'btn ghost', onclick: () => showCard(person), text: t('common.cancel') });
    body.replaceChildren(
      h(
        'form',
        {
          class: 'stack',
          dataset: { testid: 'profile-form' },
          onsubmit: async (ev) => {
            ev.preventDefault();
            error.set('');
            save.disabled = true;
            try {
              const saved = await patch('/api/me', {
                display_name: name.value.trim(),
                reading: reading.value.trim(),
                bio: bio.value.trim(),
              });
              app.me = { ...app.me, display_name: saved.display_name, reading: saved.reading };
              app.emit('me', app.me);
              toast(t('profile.saved'));
              showCard(saved);
            } catch (err) {
              error.set(errorText(err));
              save.disabled = false;
            }
          },
        },
        field(t('invite.name'), name, t('invite.nameHint')),
        field(t('profile.reading'), reading, t('profile.readingHint')),
        field(t('profile.bio'), bio, t('profile.bioHint')),
        error,
        h('div', { class: 'row end' }, cancel, save),
      ),
    );
    name.focus();
  }

  return dialog;
}

function formatDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long' }).format(new Date(y, m - 1, d));
}
