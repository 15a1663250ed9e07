// Admin: announcers (アナウンス担当), the people who may publish announcements to
// a department (and create company-wide events) besides admins: the list by
// department (GET /api/announcers), naming one (a person found by name, as in
// the directory, and a department: POST /api/announcers) and taking the right
// away (DELETE /api/announcers/{department}/{person}). Each answer is the
// whole list as it is now.
import { del, get, post } from '../api.js';
import { avatar, debounce, field, h, uniqueId } from '../dom.js';
import { t } from '../i18n/index.js';
import { nameNote } from '../names.js';
import { errorBox, errorText, toast } from './errors.js';

const FOUND = 8; // people shown for a search

export function announcersSection(shared) {
  let alive = true;
  let announcers = [];
  let chosen = null; // the person picked: {id, display_name}
  const listed = h('div', { class: 'stack', dataset: { testid: 'announcers-list' } });
  const search = h('input', { type: 'search', autocomplete: 'off', dataset: { testid: 'announcer-search' } });
  const found = h('ul', { class: 'pick-list', role: 'radiogroup', 'aria-label': t('announcers.people'), hidden: true, dataset: { testid: 'announcer-candidates' } });
  const department = h('select', { required: true, dataset: { testid: 'announcer-department' } });
  const error = errorBox('announcer-error');
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'announcer-add' }, text: t('announcers.add') });
  const group = uniqueId('announcer-person');

  function fillDepartments(list) {
    const was = department.value;
    department.replaceChildren(h('option', { value: '', text: t('announcers.chooseDepartment') }), ...list.map((d) => h('option', { value: String(d.id), text: d.name })));
    if (list.some((d) => String(d.id) === was)) department.value = was;
  }

  function draw() {
    const byDepartment = new Map();
    for (const a of announcers) {
      if (!byDepartment.has(a.department.id)) byDepartment.set(a.department.id, { department: a.department, people: [] });
      byDepartment.get(a.department.id).people.push(a.user);
    }
    if (!byDepartment.size) {
      listed.replaceChildren(h('p', { class: 'muted', dataset: { testid: 'announcers-none' }, text: t('announcers.none') }));
      return;
    }
    listed.replaceChildren(
      ...[...byDepartment.values()].map(({ department: d, people }) =>
        h(
          'section',
          { class: 'card', dataset: { testid: 'announcers-department', departmentId: String(d.id) } },
          h('h3', { text: d.name }),
          h(
            'ul',
            { class: 'announcer-people' },
            people.map((p) =>
              h(
                'li',
                { class: 'row announcer-row', dataset: { testid: 'announcer', userId: String(p.id) } },
                h('span', { class: 'grow', text: p.display_name }),
                h('button', {
                  type: 'button',
                  class: 'btn small danger',
                  'aria-label': t('announcers.removeLabel', { name: p.display_name, department: d.name }),
                  dataset: { testid: 'announcer-remove' },
                  text: t('announcers.remove'),
                  onclick: (ev) => remove(d, p, ev.currentTarget),
                }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function load() {
    try {
      const answer = await get('/api/announcers');
      if (!alive) return;
      announcers = answer.announcers;
      draw();
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
  }

  async function remove(d, p, button) {
    button.disabled = true;
    try {
      announcers = (await del(`/api/announcers/${d.id}/${p.id}`)).announcers;
      toast(t('announcers.removed', { name: p.display_name, department: d.name }));
      draw();
      search.focus();
    } catch (err) {
      button.disabled = false;
      toast(errorText(err));
    }
  }

  let asked = 0;
  async function find() {
    const mine = ++asked;
    const q = search.value.trim();
    if (!q) {
      found.hidden = true;
      found.replaceChildren();
      return;
    }
    try {
      const people = (await get(`/api/users?q=${encodeURIComponent(q)}&limit=${FOUND}`)).filter((p) => p.is_active !== false);
      if (!alive || mine !== asked) return;
      found.hidden = false;
      found.replaceChildren(
        ...(people.length
          ? people.map((p) => {
              const radio = h('input', {
                type: 'radio',
                name: group,
                value: String(p.id),
                checked: chosen?.id === p.id,
                dataset: { testid: 'announcer-candidate', userId: String(p.id) },
                onchange: () => {
                  chosen = { id: p.id, display_name: p.display_name };
                },
              });
              const note = nameNote(p);
              return h('li', {}, h('label', { class: 'pick' }, radio, avatar(p, 'small'), h('span', { text: p.display_name }), note ? h('small', { class: 'muted', text: note }) : null));
            })
          : [h('li', { class: 'muted', text: t('announcers.nobody') })]),
      );
    } catch (err) {
      if (alive && mine === asked) error.set(errorText(err));
    }
  }
  search.addEventListener('input', () => {
    chosen = null;
    debouncedFind();
  });
  const debouncedFind = debounce(find, 250);

  const form = h(
    'form',
    {
      class: 'card stack narrow-form',
      dataset: { testid: 'announcer-form' },
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        if (!chosen) return error.set(t('announcers.choosePerson'));
        if (!department.value) return error.set(t('announcers.chooseDepartment'));
        submit.disabled = true;
        try {
          announcers = (await post('/api/announcers', { person_id: chosen.id, department_id: Number(department.value) })).announcers;
          const name = department.selectedOptions[0]?.textContent ?? '';
          toast(t('announcers.named', { name: chosen.display_name, department: name }));
          draw();
          chosen = null;
          search.value = '';
          find();
          search.focus();
        } catch (err) {
          error.set(errorText(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    field(t('announcers.person'), search, t('announcers.personHint')),
    found,
    field(t('announcers.department'), department),
    error,
    h('div', { class: 'row end' }, submit),
  );

  const off = shared.on('departments', fillDepartments);
  fillDepartments(shared.departments ?? []);
  load();
  const el = h(
    'section',
    { id: 'admin-announcers', class: 'admin-section', 'aria-labelledby': 'admin-announcers-title', dataset: { testid: 'admin-announcers' } },
    h('h2', { id: 'admin-announcers-title', tabindex: '-1', text: t('admin.announcers') }),
    h('p', { class: 'muted', text: t('announcers.lead') }),
    listed,
    h('h3', { text: t('announcers.addTitle') }),
    form,
  );
  return {
    el,
    destroy() {
      alive = false;
      off?.();
    },
  };
}
