// "Invite people" to a group (the only way into a private one): search the
// people directory, tick names, invite.
import { get, post } from '../api.js';
import { avatar, debounce, field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { nameNote } from '../names.js';
import { errorBox, errorText, toast } from './errors.js';
import { modal } from './profile.js';

export function openInvitePeople(channel, memberIds) {
  const { dialog, body } = modal(t('invitePeople.title', { name: channel.name }), 'invite-people-dialog');
  const chosen = new Set();
  const search = h('input', { type: 'search', autocomplete: 'off', dataset: { testid: 'invite-search' } });
  const list = h('ul', { class: 'pick-list', dataset: { testid: 'invite-candidates' } });
  const error = errorBox('invite-people-error');
  const submit = h('button', { class: 'btn primary', disabled: true, dataset: { testid: 'invite-people-submit' }, text: t('invitePeople.submit', { count: 0 }) });

  async function find() {
    try {
      const q = search.value.trim();
      const people = await get(`/api/users${q ? `?q=${encodeURIComponent(q)}` : ''}`);
      const candidates = people.filter((p) => p.is_active && !memberIds.has(p.id));
      list.replaceChildren(
        ...(candidates.length
          ? candidates.map((p) => {
              const box = h('input', {
                type: 'checkbox',
                checked: chosen.has(p.id),
                dataset: { testid: 'invite-candidate', userId: String(p.id) },
                onchange: (ev) => {
                  if (ev.target.checked) chosen.add(p.id);
                  else chosen.delete(p.id);
                  submit.disabled = chosen.size === 0;
                  submit.textContent = t('invitePeople.submit', { count: chosen.size });
                },
              });
              const note = nameNote(p);
              return h('li', {}, h('label', { class: 'pick' }, box, avatar(p, 'small'), h('span', { text: p.display_name }), note ? h('small', { class: 'muted', text: note }) : null));
            })
          : [h('li', { class: 'muted', text: t('invitePeople.nobody') })]),
      );
    } catch (err) {
      error.set(errorText(err));
    }
  }

  submit.addEventListener('click', async () => {
    submit.disabled = true;
    try {
      await post(`/api/channels/${channel.id}/invite`, { user_ids: [...chosen] });
      toast(t('invitePeople.done', { count: chosen.size }));
      dialog.close();
    } catch (err) {
      error.set(errorText(err));
      submit.disabled = false;
    }
  });
  search.addEventListener('input', debounce(find, 250));
  body.append(
    h('p', { class: 'muted', text: channel.is_private ? t('invitePeople.leadPrivate') : t('invitePeople.lead') }),
    field(t('invitePeople.search'), search),
    list,
    error,
    h('div', { class: 'row end' }, submit),
  );
  search.focus();
  find();
}
