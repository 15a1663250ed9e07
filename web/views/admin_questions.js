// Admin: questions. When a question left unanswered is told to the asker's
// mentors and then to the channel's moderators (working hours in the company's
// time zone: GET and PATCH /api/questions/settings), and the figures (GET
// /api/questions/figures): time to first answer and the share answered within
// a day per department and per week (groups of fewer than 5 askers are merged
// or not shown), and the newcomers quiet in their first two weeks.
import { get, patch } from '../api.js';
import { field, h } from '../dom.js';
import { formatNumber, t } from '../i18n/index.js';
import { errorBox, errorText, toast } from './errors.js';

export function questionsSection() {
  let alive = true;
  const num = (testid, step = '0.5') => h('input', { type: 'number', min: '0', step, required: true, dataset: { testid } });
  const first = num('q-first-delay');
  const second = num('q-second-delay');
  const zone = h('input', { type: 'text', required: true, dataset: { testid: 'q-time-zone' } });
  const start = num('q-work-start', '1');
  const end = num('q-work-end', '1');
  const days = [0, 1, 2, 3, 4, 5, 6].map((d) => h('input', { type: 'checkbox', value: String(d), dataset: { testid: `q-day-${d}` } }));
  const error = errorBox('q-settings-error');
  const save = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'q-settings-save' }, text: t('common.save') });
  const form = h(
    'form',
    {
      class: 'card stack narrow-form',
      dataset: { testid: 'q-settings' },
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        save.disabled = true;
        try {
          show(
            await patch('/api/questions/settings', {
              first_delay_hours: Number(first.value),
              second_delay_hours: Number(second.value),
              time_zone: zone.value.trim(),
              work_start: Number(start.value),
              work_end: Number(end.value),
              work_days: days.filter((d) => d.checked).map((d) => Number(d.value)),
            }),
          );
          toast(t('adminQuestions.saved'));
        } catch (err) {
          error.set(errorText(err));
        } finally {
          save.disabled = false;
        }
      },
    },
    field(t('adminQuestions.firstDelay'), first),
    field(t('adminQuestions.secondDelay'), second),
    field(t('adminQuestions.timeZone'), zone),
    field(t('adminQuestions.workStart'), start),
    field(t('adminQuestions.workEnd'), end),
    h('fieldset', {}, h('legend', { text: t('adminQuestions.workDays') }), days.map((d, i) => h('label', { class: 'check' }, d, ` ${t(`adminQuestions.day${i}`)}`))),
    error,
    h('div', { class: 'row end' }, save),
  );
  const figures = h('div', { dataset: { testid: 'q-figures' } });

  function show(s) {
    first.value = String(s.first_delay_hours);
    second.value = String(s.second_delay_hours);
    zone.value = s.time_zone;
    start.value = String(s.work_start);
    end.value = String(s.work_end);
    for (const d of days) d.checked = s.work_days.includes(Number(d.value));
  }

  function table(rows, label) {
    const cell = (v, fmt) => (v === null || v === undefined ? t('adminQuestions.hidden') : fmt(v));
    return h(
      'table',
      { class: 'table' },
      h('thead', {}, h('tr', {}, [label, t('adminQuestions.questions'), t('adminQuestions.median'), t('adminQuestions.withinDay')].map((x) => h('th', { text: x })))),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            { dataset: { testid: 'q-figure' } },
            h('td', { text: r.label === 'other' ? t('adminQuestions.other') : r.label }),
            h('td', { text: formatNumber(r.questions) }),
            h('td', { text: cell(r.median_hours_to_first_answer, (v) => t('adminQuestions.hours', { hours: v })) }),
            h('td', { text: cell(r.answered_within_day, (v) => `${Math.round(v * 100)}%`) }),
          ),
        ),
      ),
    );
  }

  function showFigures(f) {
    figures.replaceChildren(
      h('h3', { text: t('adminQuestions.byDepartment') }),
      table(f.departments, t('adminQuestions.department')),
      h('h3', { text: t('adminQuestions.byWeek') }),
      table(f.weeks, t('adminQuestions.week')),
      h('p', { class: 'muted small', text: t('adminQuestions.smallGroups') }),
      h('h3', { text: t('adminQuestions.quiet') }),
      f.quiet_newcomers.length
        ? h('ul', { dataset: { testid: 'q-quiet' } }, f.quiet_newcomers.map((p) => h('li', {}, h('a', { href: `#/people/${p.id}`, text: p.display_name }), ` ${p.department ?? ''} (${p.start_date})`)))
        : h('p', { class: 'muted', text: t('adminQuestions.noneQuiet') }),
    );
  }

  get('/api/questions/settings').then((s) => alive && show(s)).catch((err) => alive && error.set(errorText(err)));
  get('/api/questions/figures').then((f) => alive && showFigures(f)).catch((err) => alive && figures.replaceChildren(h('p', { role: 'alert', text: errorText(err) })));
  const el = h(
    'section',
    { id: 'admin-questions', class: 'admin-section', dataset: { testid: 'admin-questions' } },
    h('h2', { tabindex: '-1', text: t('admin.questions') }),
    h('p', { class: 'muted', text: t('adminQuestions.lead') }),
    form,
    figures,
  );
  return {
    el,
    destroy() {
      alive = false;
    },
  };
}
