// #/surveys/<id>/results : a survey's response rate, overall and per
// department, and its results drawn here: bars for choices, the spread of the
// 1–5 scale, the list of free-text answers; the CSV; a reminder in one click.
// Its author's and admins' only. Live: `survey.answered` (the count moved)
// reloads it. In an anonymous survey a department of fewer than 5 respondents
// shows no count (the server leaves it out).
import { get, post } from '../api.js';
import { h, setChildren } from '../dom.js';
import { formatFull, formatNumber, t } from '../i18n/index.js';
import { app } from '../state.js';
import { errorBox } from './errors.js';
import { surveyError } from './surveys.js';

function percent(part, whole) {
  return whole ? Math.round((part / whole) * 100) : 0;
}

/** One bar: a label, a bar as wide as its share, and the count. */
function bar(label, count, total, testid) {
  const fill = h('span', { class: 'bar-fill' });
  fill.style.width = `${percent(count, total)}%`;
  return h(
    'li',
    { class: 'bar-row', dataset: { testid } },
    h('span', { class: 'bar-label', text: label }),
    h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
    h('span', { class: 'bar-count', dataset: { testid: `${testid}-count` }, text: t('surveys.results.count', { count, percent: percent(count, total) }) }),
  );
}

function questionResult(q, n) {
  const head = h('h3', { text: `${n + 1}. ${q.text}` });
  const answered = h('p', { class: 'muted', text: t('surveys.results.answered', { count: q.answered }) });
  let body;
  if (q.kind === 'single' || q.kind === 'multiple') {
    body = h('ul', { class: 'bars', 'aria-label': q.text }, q.options.map((o) => bar(o.label, o.count, q.answered, 'result-option')));
  } else if (q.kind === 'scale') {
    body = h(
      'div',
      {},
      h('ul', { class: 'bars scale-bars', 'aria-label': q.text }, q.scale.map((c, i) => bar(String(i + 1), c, q.answered, 'result-scale'))),
      q.average !== null ? h('p', { dataset: { testid: 'result-average' }, text: t('surveys.results.average', { average: q.average }) }) : null,
    );
  } else {
    body = q.texts.length
      ? h('ul', { class: 'survey-texts', dataset: { testid: 'result-texts' } }, q.texts.map((text) => h('li', { text })))
      : h('p', { class: 'muted', text: t('surveys.results.noTexts') });
  }
  return h('section', { class: 'card survey-result', dataset: { testid: 'survey-result', kind: q.kind } }, head, answered, body);
}

export function mountResults(container, id) {
  let alive = true;
  const page = h('div', { class: 'page survey-results-page', dataset: { testid: 'survey-results-page' } });
  const status = h('p', { class: 'muted', role: 'status', text: t('common.loading') });
  page.append(status);
  container.replaceChildren(page);
  const notice = errorBox('survey-remind-error');
  const told = h('p', { class: 'muted', role: 'status', dataset: { testid: 'survey-reminded' } });

  async function remind(button) {
    notice.set('');
    button.disabled = true;
    try {
      const done = await post(`/api/surveys/${id}/remind`, {});
      told.textContent = t('surveys.results.reminded', { count: done.reminded });
    } catch (err) {
      notice.set(surveyError(err));
    } finally {
      button.disabled = false;
    }
  }

  function show(r) {
    const s = r.survey;
    app.emit('title', s.title);
    const remindButton = h('button', { class: 'btn', dataset: { testid: 'survey-remind' }, disabled: s.state !== 'open', text: t('surveys.results.remind') });
    remindButton.addEventListener('click', () => remind(remindButton));
    const rate = h(
      'section',
      { class: 'card survey-rate', 'aria-live': 'polite', dataset: { testid: 'survey-rate' } },
      h('h2', { text: t('surveys.results.rate') }),
      h('p', { class: 'survey-rate-big', dataset: { testid: 'survey-rate-value' }, text: t('surveys.results.rateValue', { percent: Math.round(r.rate * 100), respondents: formatNumber(r.respondents), audience: formatNumber(r.audience) }) }),
      h(
        'table',
        { class: 'survey-departments-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('surveys.results.department') }), h('th', { scope: 'col', text: t('surveys.results.respondents') }), h('th', { scope: 'col', text: t('surveys.results.rateShort') }))),
        h(
          'tbody',
          {},
          r.departments.map((d) =>
            h(
              'tr',
              { dataset: { testid: 'survey-department' } },
              h('th', { scope: 'row', text: d.name || t('people.noDepartment') }),
              h('td', { text: d.hidden ? t('surveys.results.hidden', { min: r.min_cell }) : `${d.respondents} / ${d.audience}` }),
              h('td', { text: d.hidden ? '—' : `${percent(d.respondents, d.audience)}%` }),
            ),
          ),
        ),
      ),
      s.anonymous ? h('p', { class: 'muted', text: t('surveys.results.smallCells', { min: r.min_cell }) }) : null,
    );
    setChildren(page,
      h(
        'div',
        { class: 'page-head' },
        h('h1', { text: s.title }),
        h('div', { class: 'page-actions' },
          h('a', { class: 'btn', href: `/api/surveys/${s.id}/export`, download: '', dataset: { testid: 'survey-export' }, text: t('surveys.results.csv') }),
          remindButton,
          h('a', { class: 'btn ghost', href: `#/surveys/${s.id}`, text: t('surveys.results.open') }),
        ),
      ),
      h('p', { class: 'muted' }, `${t(`surveys.state.${s.state}`)} · ${s.anonymous ? t('surveys.anonymous') : t('surveys.named')} · ${t('surveys.closes', { when: formatFull(s.closes_at) })}`),
      r.reminded_at ? h('p', { class: 'muted', text: t('surveys.results.lastReminder', { when: formatFull(r.reminded_at) }) }) : null,
      told,
      notice,
      rate,
      r.questions.map(questionResult),
    );
  }

  let asked = 0;
  async function load() {
    const mine = ++asked;
    try {
      const r = await get(`/api/surveys/${id}/results`);
      if (alive && mine === asked) show(r);
    } catch (err) {
      if (alive && mine === asked) setChildren(page, h('p', { role: 'alert', text: surveyError(err) }));
    }
  }
  const off = app.on('surveys', (f) => {
    if (f?.data?.survey_id === id && f.data.respondents !== null) load();
  });
  load();
  return {
    destroy() {
      alive = false;
      off();
    },
  };
}
