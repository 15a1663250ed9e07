// "New message": search the people directory, tick up to eight people, start
// (or open) the conversation with them.
import { get } from '../api.js';
import { avatar, debounce, field, h } from '../dom.js';
import { MAX_OTHERS, startConversation } from '../direct.js';
import { t } from '../i18n/index.js';
import { nameNote } from '../names.js';
import { app } from '../state.js';
import { errorBox, errorText } from './errors.js';
import { modal } from './profile.js';

export function openNewMessage() {
  const { dialog, body } = modal(t('dm.newTitle'), 'new-message-dialog');
  const chosen = new Set();
  const search = h('input', { type: 'search', autocomplete: 'off', dataset: { testid: 'new-message-search' } });
  const list = h('ul', { class: 'pick-list', dataset: { testid: 'new-message-candidates' } });
  const error = errorBox('new-message-error');
  const submit = h('button', { class: 'btn primary', disabled: true, dataset: { testid: 'new-message-submit' }, text: t('dm.start') });
  const count = h('p', { class: 'muted small', role: 'status', dataset: { testid: 'new-message-count' } });

  function update() {
    submit.disabled = chosen.size === 0 || chosen.size > MAX_OTHERS;
    count.textContent = t('dm.chosen', { count: chosen.size, max: MAX_OTHERS });
    for (const box of list.querySelectorAll('input[type=checkbox]')) {
      box.disabled = !box.checked && chosen.size >= MAX_OTHERS;
    }
  }

  async function find() {
    try {
      const q = search.value.trim();
      const people = await get(`/api/users${q ? `?q=${encodeURIComponent(q)}` : ''}`);
      const candidates = people.filter((p) => p.is_active && p.id !== app.me?.id);
      list.replaceChildren(
        ...(candidates.length
          ? candidates.map((p) => {
              const box = h('input', {
                type: 'checkbox',
                checked: chosen.has(p.id),
                dataset: { testid: 'new-message-candidate', userId: String(p.id) },
                onchange: (ev) => {
                  if (ev.target.checked) chosen.add(p.id);
                  else chosen.delete(p.id);
                  update();
                },
              });
              const note = nameNote(p);
              return h('li', {}, h('label', { class: 'pick' }, box, avatar(p, 'small'), h('span', { text: p.display_name }), note ? h('small', { class: 'muted', text: note }) : null));
            })
          : [h('li', { class: 'muted', text: t('people.none') })]),
      );
      update();
    } catch (err) {
      error.set(errorText(err));
    }
  }

  submit.addEventListener('click', async () => {
    submit.disabled = true;
    error.set('');
    try {
      await startConversation([...chosen]);
      dialog.close();
    } catch (err) {
      error.set(errorText(err, { forbidden: t('dm.cannotStart') }));
      update();
    }
  });
  search.addEventListener('input', debounce(find, 250));
  body.append(
    h('p', { class: 'muted', text: t('dm.newLead', { max: MAX_OTHERS }) }),
    field(t('invitePeople.search'), search),
    list,
    count,
    error,
    h('div', { class: 'row end' }, submit),
  );
  update();
  search.focus();
  find();
}
