// Admin: choosing a newcomer's mentors, in a dialog. Their mentors now (each
// removable), and suggestions best first (GET /api/users/{id}/mentor-
// suggestions: other departments first, then shared interest groups, then
// fewer newcomers already), each saying why in a line ("other department ·
// 2 shared groups · mentoring 1"). Saving sends the whole list (PUT).
import { get, put } from '../api.js';
import { avatar, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText, toast } from './errors.js';
import { modal } from './profile.js';

/** Why a suggestion comes where it does, in one short line. */
export function reasons(s) {
  return [
    s.other_department ? t('mentors.otherDepartment') : s.person.department ? t('mentors.sameDepartment') : t('people.noDepartment'),
    t('mentors.sharedGroups', { count: s.shared_groups }),
    t('mentors.mentoring', { count: s.mentoring }),
  ].join(' · ');
}

export async function openMentorPicker(person) {
  const { dialog, body } = modal(t('mentors.title', { name: person.display_name }), 'mentor-picker');
  body.append(h('p', { class: 'muted', text: t('common.loading') }));
  let chosen = [];
  let suggestions = [];
  const error = errorBox('mentor-error');
  try {
    [chosen, suggestions] = await Promise.all([get(`/api/users/${person.id}/mentors`), get(`/api/users/${person.id}/mentor-suggestions`)]);
  } catch (err) {
    body.replaceChildren(h('p', { role: 'alert', text: errorText(err) }));
    return;
  }

  function render() {
    const ids = new Set(chosen.map((m) => m.id));
    body.replaceChildren(
      h('h3', { text: t('mentors.current') }),
      chosen.length
        ? h(
            'ul',
            { class: 'chip-list', dataset: { testid: 'mentor-chosen' } },
            chosen.map((m) =>
              h(
                'li',
                { class: 'chip', dataset: { testid: 'mentor-chosen-item', userId: String(m.id) } },
                h('span', { text: `${m.display_name}${m.department ? ` (${m.department})` : ''}` }),
                h('button', {
                  type: 'button',
                  class: 'icon-btn',
                  'aria-label': t('mentors.remove', { name: m.display_name }),
                  text: '×',
                  onclick: () => {
                    chosen = chosen.filter((x) => x.id !== m.id);
                    render();
                  },
                }),
              ),
            ),
          )
        : h('p', { class: 'muted', text: t('mentors.noneYet') }),
      h('h3', { text: t('mentors.suggested') }),
      h('p', { class: 'muted', text: t('mentors.suggestedHint') }),
      h(
        'ul',
        { class: 'card-list suggestion-list', dataset: { testid: 'mentor-suggestions' } },
        suggestions
          .filter((s) => !ids.has(s.person.id))
          .map((s) =>
            h(
              'li',
              { class: 'card row suggestion', dataset: { testid: 'mentor-suggestion', userId: String(s.person.id) } },
              avatar(s.person, 'small'),
              h(
                'span',
                { class: 'grow person-text' },
                h('strong', { text: s.person.display_name }),
                h('small', { class: 'muted', text: s.person.department ?? t('people.noDepartment') }),
                h('small', { class: 'why', dataset: { testid: 'mentor-why' }, text: reasons(s) }),
              ),
              h('button', {
                type: 'button',
                class: 'btn',
                dataset: { testid: 'mentor-pick' },
                text: t('mentors.pick'),
                onclick: () => {
                  chosen = [...chosen, s.person];
                  render();
                },
              }),
            ),
          ),
      ),
      error,
      h(
        'div',
        { class: 'row end' },
        h('button', { type: 'button', class: 'btn ghost', onclick: () => dialog.close(), text: t('common.cancel') }),
        h('button', { type: 'button', class: 'btn primary', dataset: { testid: 'mentor-save' }, onclick: save, text: t('common.save') }),
      ),
    );
  }

  async function save() {
    error.set('');
    try {
      chosen = await put(`/api/users/${person.id}/mentors`, { mentor_ids: chosen.map((m) => m.id) });
      toast(t('mentors.saved', { name: person.display_name }));
      dialog.close();
    } catch (err) {
      const reason = err.details?.reason;
      error.set(err.code === 'mentor_invalid' && reason ? t(`mentors.error.${reason}`) : errorText(err));
    }
  }
  render();
}
