// Admin: departments (each has its channel), in reading order: create one
// (name, reading, closed or open), rename, set the reading, close or open,
// delete (asks to move its people first) or merge into another (its people
// move there); the archived channels of departments that are gone.
import { del, get, patch, post } from '../api.js';
import { field, h, uniqueId } from '../dom.js';
import { icon } from '../icons.js';
import { t } from '../i18n/index.js';
import { refreshChannels } from '../state.js';
import { errorBox, errorText, toast } from './errors.js';

function visibilitySelect(closed, attrs = {}) {
  const select = h(
    'select',
    attrs,
    h('option', { value: 'closed', text: t('admin.closedOption') }),
    h('option', { value: 'open', text: t('admin.openOption') }),
  );
  select.value = closed ? 'closed' : 'open';
  return select;
}

export function departmentsSection(shared) {
  const list = h('ul', { class: 'dept-list', dataset: { testid: 'departments-list' } });
  const archivedList = h('ul', { class: 'dept-list', dataset: { testid: 'archived-departments' } });
  const name = h('input', { type: 'text', required: true, maxlength: '100', dataset: { testid: 'new-department-name' } });
  const reading = h('input', { type: 'text', maxlength: '100', dataset: { testid: 'new-department-reading' } });
  const visibility = visibilitySelect(true, { dataset: { testid: 'new-department-visibility' } });
  const error = errorBox('new-department-error');
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'new-department-submit' }, text: t('admin.addDepartment') });
  const form = h(
    'form',
    {
      class: 'grid-form card',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        if (!name.value.trim()) return error.set(t('name.blank'));
        submit.disabled = true;
        try {
          await post('/api/departments', {
            name: name.value.trim(),
            reading: reading.value.trim(),
            closed: visibility.value === 'closed',
          });
          name.value = '';
          reading.value = '';
          visibility.value = 'closed';
          await shared.reloadDepartments();
          refreshChannels();
        } catch (err) {
          error.set(errorText(err, { conflict: t('admin.departmentTaken') }));
        } finally {
          submit.disabled = false;
        }
      },
    },
    field(t('admin.departmentName'), name),
    field(t('admin.departmentReading'), reading),
    field(t('admin.visibility'), visibility, t('admin.closedHint')),
    error,
    h('div', { class: 'row end span' }, submit),
  );

  async function changed(message) {
    if (message) toast(message);
    await shared.reloadDepartments();
    refreshChannels();
    loadArchived();
  }

  function row(d) {
    const label = (what) => `${what}: ${d.name}`;
    const nameInput = h('input', { type: 'text', value: d.name, maxlength: '100', 'aria-label': t('admin.renameLabel', { name: d.name }), dataset: { testid: 'department-name' } });
    const readingInput = h('input', { type: 'text', value: d.reading, maxlength: '100', 'aria-label': label(t('admin.departmentReading')), placeholder: t('admin.departmentReading'), dataset: { testid: 'department-reading' } });
    const save = h('button', {
      class: 'btn small',
      dataset: { testid: 'department-rename' },
      text: t('common.save'),
      onclick: async () => {
        const change = {};
        if (nameInput.value.trim() !== d.name) change.name = nameInput.value.trim();
        if (readingInput.value.trim() !== d.reading) change.reading = readingInput.value.trim();
        if (!Object.keys(change).length) return;
        try {
          await patch(`/api/departments/${d.id}`, change);
          await changed(change.name ? t('admin.renamed', { name: change.name }) : t('admin.saved', { name: d.name }));
        } catch (err) {
          toast(errorText(err, { conflict: t('admin.departmentTaken') }));
        }
      },
    });
    for (const input of [nameInput, readingInput]) {
      input.addEventListener('keydown', (ev) => ev.key === 'Enter' && save.click());
    }
    const closed = visibilitySelect(d.closed, { 'aria-label': label(t('admin.visibility')), dataset: { testid: 'department-visibility' } });
    closed.addEventListener('change', async () => {
      const wantClosed = closed.value === 'closed';
      try {
        await patch(`/api/departments/${d.id}`, { closed: wantClosed });
        await changed(t(wantClosed ? 'admin.nowClosed' : 'admin.nowOpen', { name: d.name }));
      } catch (err) {
        closed.value = d.closed ? 'closed' : 'open';
        toast(errorText(err));
      }
    });
    const people = h('span', { class: 'muted small', dataset: { testid: 'department-people' }, text: t('admin.people', { count: d.people }) });
    const confirmArea = h('div', { class: 'dept-confirm', role: 'alert', hidden: true, dataset: { testid: 'department-confirm' } });

    function ask(text, yesLabel, action) {
      const yes = h('button', { class: 'btn danger small', dataset: { testid: 'department-confirm-yes' }, text: yesLabel, onclick: action });
      const no = h('button', { class: 'btn small', text: t('common.cancel'), onclick: () => (confirmArea.hidden = true) });
      confirmArea.replaceChildren(h('span', { text }), yes, no);
      confirmArea.hidden = false;
      no.focus();
    }

    function tell(text) {
      const ok = h('button', { class: 'btn small', text: t('common.close'), onclick: () => (confirmArea.hidden = true) });
      confirmArea.replaceChildren(h('span', { dataset: { testid: 'department-notice' }, text }), ok);
      confirmArea.hidden = false;
      ok.focus();
    }

    const remove = h('button', {
      class: 'btn small ghost',
      dataset: { testid: 'department-delete' },
      text: t('admin.delete'),
      onclick: () => {
        if (d.people > 0) return tell(t('admin.deleteHasPeople', { name: d.name, count: d.people }));
        ask(t('admin.deleteQ', { name: d.name }), t('admin.delete'), async () => {
          try {
            await del(`/api/departments/${d.id}`);
            await changed(t('admin.deleted', { name: d.name }));
          } catch (err) {
            // Someone was moved in meanwhile: the server says how many.
            if (err.code === 'conflict') tell(t('admin.deleteHasPeople', { name: d.name, count: err.details.people ?? 1 }));
            else toast(errorText(err));
          }
        });
      },
    });

    const targetId = uniqueId('merge');
    const target = h(
      'select',
      { id: targetId, dataset: { testid: 'department-merge-target' } },
      h('option', { value: '', text: t('admin.mergeChoose') }),
      shared.departments.filter((o) => o.id !== d.id).map((o) => h('option', { value: String(o.id), text: o.name })),
    );
    const merge = h('button', {
      class: 'btn small',
      dataset: { testid: 'department-merge' },
      text: t('admin.merge'),
      onclick: () => {
        const into = shared.departments.find((o) => String(o.id) === target.value);
        if (!into) return target.focus();
        ask(t('admin.mergeQ', { name: d.name, target: into.name }), t('admin.merge'), async () => {
          try {
            await post(`/api/departments/${d.id}/merge`, { into: into.id });
            await changed(t('admin.merged', { name: d.name, target: into.name }));
          } catch (err) {
            toast(errorText(err));
          }
        });
      },
    });

    return h(
      'li',
      { class: 'dept-row card', dataset: { testid: 'department', departmentId: String(d.id), closed: String(d.closed) } },
      h(
        'div',
        { class: 'dept-line' },
        d.closed ? icon('lock', { size: 16 }) : icon('hash', { size: 16 }),
        nameInput,
        readingInput,
        save,
        people,
      ),
      h(
        'div',
        { class: 'dept-line' },
        closed,
        h('label', { for: targetId, class: 'small', text: t('admin.mergeInto') }),
        target,
        merge,
        remove,
      ),
      confirmArea,
    );
  }

  function render(departments) {
    list.replaceChildren(
      ...(departments.length ? departments.map(row) : [h('li', { class: 'muted', text: t('admin.noDepartments') })]),
    );
  }

  async function loadArchived() {
    try {
      const channels = await get('/api/channels');
      const gone = channels.filter((c) => c.archived && c.kind === 'department');
      archivedList.replaceChildren(
        ...(gone.length
          ? gone.map((c) =>
              h(
                'li',
                { class: 'dept-row', dataset: { testid: 'archived-department', channelId: String(c.id) } },
                h('a', { href: `#/c/${c.id}` }, icon(c.is_private ? 'lock' : 'hash', { size: 16 }), c.name),
                h('span', { class: 'tag archived', text: t('channel.archived') }),
              ),
            )
          : [h('li', { class: 'muted', text: t('admin.noArchived') })]),
      );
    } catch (err) {
      archivedList.replaceChildren(h('li', { role: 'alert', text: errorText(err) }));
    }
  }

  const off = shared.on('departments', render);
  const el = h(
    'section',
    { id: 'admin-departments', class: 'admin-section', 'aria-labelledby': 'admin-departments-title' },
    h('h2', { id: 'admin-departments-title', tabindex: '-1', text: t('admin.departments') }),
    h('p', { class: 'muted', text: t('admin.departmentsLead') }),
    form,
    list,
    h('h3', { id: 'admin-archived-title', text: t('admin.archivedChannels') }),
    h('p', { class: 'muted', text: t('admin.archivedLead') }),
    archivedList,
  );
  loadArchived();
  return { el, destroy: off };
}
