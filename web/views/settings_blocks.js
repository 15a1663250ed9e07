// Account settings: the people one blocked (GET /api/blocks), each with
// Unblock. Blocking is on a person's profile card.
import { del, get } from '../api.js';
import { h } from '../dom.js';
import { formatDate, t } from '../i18n/index.js';
import { app } from '../state.js';
import { errorBox, errorText, toast } from './errors.js';

export function blocksSection() {
  let alive = true;
  const title = t('settings.blocks');
  const list = h('ul', { class: 'card-list', dataset: { testid: 'blocked-people' } });
  const error = errorBox('blocks-error');

  function render(blocked) {
    list.replaceChildren(
      ...(blocked.length
        ? blocked.map((p) =>
            h(
              'li',
              { class: 'row', dataset: { testid: 'blocked-person', userId: String(p.id) } },
              h('span', { text: p.display_name }),
              h('small', { class: 'muted', text: t('dm.blockedSince', { when: formatDate(p.blocked_at) }) }),
              h('button', {
                class: 'btn small',
                dataset: { testid: 'unblock' },
                text: t('dm.unblock'),
                onclick: async (ev) => {
                  ev.currentTarget.disabled = true;
                  try {
                    render(await del(`/api/blocks/${p.id}`));
                    toast(t('dm.unblockedToast', { name: p.display_name }));
                  } catch (err) {
                    error.set(errorText(err));
                  }
                },
              }),
            ),
          )
        : [h('li', { class: 'muted', dataset: { testid: 'no-blocks' }, text: t('dm.noBlocks') })]),
    );
  }

  function load() {
    get('/api/blocks')
      .then((blocked) => alive && render(blocked))
      .catch((err) => alive && error.set(errorText(err)));
  }
  // Blocked or unblocked on another device (or on a card here): the list follows.
  const off = app.on('blocks', load);
  load();

  const el = h(
    'section',
    { id: 'settings-blocks', class: 'admin-section', 'aria-labelledby': 'settings-blocks-title' },
    h('h2', { id: 'settings-blocks-title', tabindex: '-1', text: title }),
    h('p', { class: 'muted', text: t('dm.blocksLead') }),
    list,
    error,
  );
  return {
    el,
    title,
    destroy() {
      alive = false;
      off();
    },
  };
}
