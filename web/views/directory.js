// The channel directory: browse and search groups (public ones, and private
// ones one is in), join and leave, create a group; the department channels one
// may read (open ones, and one's own) and archived channels, each under its
// heading.
import { get, post } from '../api.js';
import { debounce, field, h } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';
import { app, refreshChannels } from '../state.js';
import { errorBox, errorText, toast } from './errors.js';

export function mount(container) {
  let alive = true;
  let seq = 0;
  app.emit('title', t('directory.title'));

  const search = h('input', { type: 'search', autocomplete: 'off', dataset: { testid: 'directory-search' } });
  const results = h('ul', { class: 'card-list', 'aria-live': 'polite', 'aria-labelledby': 'dir-groups', dataset: { testid: 'directory-results' } });
  const deptResults = h('ul', { class: 'card-list', 'aria-labelledby': 'dir-depts', dataset: { testid: 'directory-departments' } });
  const archivedResults = h('ul', { class: 'card-list', 'aria-labelledby': 'dir-archived', dataset: { testid: 'directory-archived' } });
  const archivedSection = h('section', { hidden: true }, h('h2', { id: 'dir-archived', class: 'section-title', text: t('directory.archived') }), archivedResults);
  const createToggle = h('button', { class: 'btn primary', 'aria-expanded': 'false', dataset: { testid: 'create-group-toggle' }, text: t('directory.create') });
  const createForm = buildCreateForm();
  createForm.hidden = true;
  createToggle.addEventListener('click', () => {
    createForm.hidden = !createForm.hidden;
    createToggle.setAttribute('aria-expanded', String(!createForm.hidden));
    if (!createForm.hidden) createForm.querySelector('input').focus();
  });

  container.replaceChildren(
    h(
      'div',
      { class: 'page', dataset: { testid: 'directory-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('directory.title') }), createToggle),
      h('p', { class: 'muted', text: t('directory.lead') }),
      createForm,
      h('div', { class: 'search-row' }, field(t('directory.search'), search)),
      h('section', {}, h('h2', { id: 'dir-groups', class: 'section-title', text: t('directory.groups') }), results),
      h('section', {}, h('h2', { id: 'dir-depts', class: 'section-title', text: t('directory.departments') }), deptResults),
      archivedSection,
    ),
  );

  async function find() {
    const mine = ++seq;
    const q = search.value.trim();
    try {
      const list = await get(`/api/channels${q ? `?q=${encodeURIComponent(q)}` : ''}`);
      if (!alive || mine !== seq) return;
      const live = list.filter((c) => !c.archived);
      const groups = live.filter((c) => c.kind === 'group');
      const departments = live.filter((c) => c.kind === 'department');
      const archived = list.filter((c) => c.archived);
      results.replaceChildren(
        ...(groups.length ? groups.map(row) : [h('li', { class: 'muted', dataset: { testid: 'directory-empty' }, text: q ? t('directory.noMatch') : t('directory.none') })]),
      );
      deptResults.replaceChildren(
        ...(departments.length ? departments.map(row) : [h('li', { class: 'muted', text: t('directory.noDepartments') })]),
      );
      archivedResults.replaceChildren(...archived.map(row));
      archivedSection.hidden = archived.length === 0;
    } catch (err) {
      if (alive) results.replaceChildren(h('li', { role: 'alert', text: errorText(err) }));
    }
  }

  function row(c) {
    let action = null;
    if (c.can_leave) action = h('button', { class: 'btn small ghost', dataset: { testid: 'leave-button' }, onclick: () => change(c, 'leave'), text: t('channel.leave') });
    else if (c.can_join) action = h('button', { class: 'btn small primary', dataset: { testid: 'join-button' }, onclick: () => change(c, 'join'), text: t('channel.join') });
    return h(
      'li',
      { class: 'card channel-card', dataset: { testid: 'directory-channel', channelId: String(c.id) } },
      h(
        'div',
        { class: 'card-main' },
        h(
          'h2',
          { class: 'card-title' },
          h('a', { href: `#/c/${c.id}`, dataset: { testid: 'directory-channel-name' }, text: c.name }),
          c.is_private ? h('span', { class: 'tag private' }, icon('lock', { size: 12 }), c.kind === 'department' ? t('channel.closed') : t('channel.private')) : null,
          c.archived ? h('span', { class: 'tag archived', text: t('channel.archived') }) : null,
          c.is_member ? h('span', { class: 'tag joined', text: t('directory.joined') }) : null,
        ),
        c.description ? h('p', { class: 'muted', dataset: { testid: 'directory-channel-desc' }, text: c.description }) : null,
        h('small', { class: 'muted', dataset: { testid: 'member-count' }, text: t('channel.memberCount', { count: c.member_count }) }),
      ),
      h('div', { class: 'card-action' }, action),
    );
  }

  async function change(c, what) {
    try {
      await post(`/api/channels/${c.id}/${what}`);
      await refreshChannels();
      toast(what === 'join' ? t('directory.joinedToast', { name: c.name }) : t('directory.leftToast', { name: c.name }));
      find();
    } catch (err) {
      toast(errorText(err));
    }
  }

  function buildCreateForm() {
    const name = h('input', { type: 'text', required: true, maxlength: '100', dataset: { testid: 'group-name' } });
    const description = h('textarea', { rows: '2', maxlength: '500', dataset: { testid: 'group-description' } });
    const isPrivate = h('input', { type: 'checkbox', id: 'group-private', dataset: { testid: 'group-private' } });
    const error = errorBox('create-group-error');
    const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'create-group-submit' }, text: t('directory.createSubmit') });
    return h(
      'form',
      {
        class: 'card stack create-group',
        'aria-label': t('directory.create'),
        dataset: { testid: 'create-group-form' },
        onsubmit: async (ev) => {
          ev.preventDefault();
          error.set('');
          if (!name.value.trim()) return error.set(t('directory.nameMissing'));
          submit.disabled = true;
          try {
            const created = await post('/api/channels', {
              name: name.value.trim(),
              description: description.value.trim(),
              is_private: isPrivate.checked,
            });
            await refreshChannels();
            location.hash = `#/c/${created.id}`;
          } catch (err) {
            error.set(errorText(err, { conflict: t('directory.nameTaken') }));
          } finally {
            submit.disabled = false;
          }
        },
      },
      field(t('directory.name'), name),
      field(t('directory.description'), description),
      h('div', { class: 'check' }, isPrivate, h('label', { for: 'group-private', text: t('directory.private') })),
      h('small', { class: 'hint', text: t('directory.privateHint') }),
      error,
      h('div', { class: 'row end' }, submit),
    );
  }

  search.addEventListener('input', debounce(find, 250));
  find();
  return {
    destroy() {
      alive = false;
    },
  };
}
