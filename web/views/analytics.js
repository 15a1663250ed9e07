// #/analytics (admins): usage analytics from GET /api/analytics, the report the
// server's job stores every few minutes. Charts are plain SVG drawn here (no
// library, no outside service): active people per day, week and month;
// departments' posts, comments and likes per week; the most and least active
// channels; feature use over the last 30 days with its trend (features few or
// nobody use link to the survey that asks why); the department matrix as a
// heat map and the cross-department index per week; newcomers' questions and
// first weeks. Each table downloads as CSV (GET /api/analytics/export). A
// figure drawn from fewer than 5 people arrives null with `suppressed` and is
// shown as such, never guessed.
import { get, put } from '../api.js';
import { field, h } from '../dom.js';
import { formatFull, formatNumber, t } from '../i18n/index.js';
import { app, isAdmin } from '../state.js';
import { errorBox, errorText, toast } from './errors.js';
import { notFound } from './notfound.js';

const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const hidden = () => t('analytics.suppressed');
const num = (v, suppressed) => (v === null || v === undefined ? (suppressed ? hidden() : '—') : formatNumber(v));
const short = (iso) => iso.slice(5).replace('-', '/');

function csvLink(table, named) {
  const text = named ? `${t('analytics.csv')}: ${t(`analytics.table.${table}`)}` : t('analytics.csv');
  return h('a', { class: 'btn small', href: `/api/analytics/export?table=${table}`, download: '', dataset: { testid: `analytics-csv-${table}` }, text });
}

function section(id, title, csv, ...body) {
  return h(
    'section',
    { class: 'card stack analytics-section', id, 'aria-labelledby': `${id}-h`, dataset: { testid: id } },
    h('div', { class: 'row between wrap' }, h('h2', { id: `${id}-h`, tabindex: '-1', text: title }), csv ? h('div', { class: 'row gap wrap' }, [csv].flat().map((x, _i, all) => csvLink(x, all.length > 1))) : null),
    body,
  );
}

// Bars for a series of {label, value, suppressed}: suppressed ones are drawn
// as an outline with no height claimed.
function barChart(points, { label, testid }) {
  const w = 640;
  const hgt = 180;
  const pad = 28;
  const max = Math.max(1, ...points.map((p) => p.value ?? 0));
  const step = (w - pad) / Math.max(1, points.length);
  const bars = points.map((p, i) => {
    const x = pad + i * step + step * 0.15;
    const bw = step * 0.7;
    const title = s('title', {}, `${p.label}: ${num(p.value, p.suppressed)}`);
    if (p.value === null) {
      return s('rect', { x, y: hgt - pad - 12, width: bw, height: 12, class: 'chart-suppressed', dataset: null }, title);
    }
    const bh = ((hgt - pad - 8) * p.value) / max;
    return s('rect', { x, y: hgt - pad - bh, width: bw, height: Math.max(bh, 0.5), class: 'chart-bar' }, title);
  });
  const every = Math.ceil(points.length / 8);
  const last = points.length - 1;
  const labels = points.map((p, i) => (i % every === 0 || (i === last && last % every >= every / 2) ? s('text', { x: pad + i * step + step / 2, y: hgt - 8, 'text-anchor': 'middle', class: 'chart-label' }, p.label) : null));
  return s(
    'svg',
    { viewBox: `0 0 ${w} ${hgt}`, class: 'chart', role: 'img', 'aria-label': label, 'data-testid': testid },
    s('title', {}, label),
    s('line', { x1: pad, y1: hgt - pad, x2: w, y2: hgt - pad, class: 'chart-axis' }),
    s('text', { x: 2, y: 12, class: 'chart-label' }, formatNumber(max)),
    bars,
    labels,
  );
}

function lineChart(points, { label, testid }) {
  const w = 640;
  const hgt = 180;
  const pad = 32;
  const step = (w - pad - 10) / Math.max(1, points.length - 1);
  const y = (v) => hgt - pad - (hgt - pad - 10) * v;
  const shown = points.map((p, i) => ({ ...p, x: pad + i * step })).filter((p) => p.value !== null);
  const path = shown.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const every = Math.ceil(points.length / 6);
  return s(
    'svg',
    { viewBox: `0 0 ${w} ${hgt}`, class: 'chart', role: 'img', 'aria-label': label, 'data-testid': testid },
    s('title', {}, label),
    [0, 0.5, 1].map((v) => [s('line', { x1: pad, y1: y(v), x2: w, y2: y(v), class: 'chart-grid' }), s('text', { x: 0, y: y(v) + 4, class: 'chart-label' }, `${v * 100}%`)]),
    path ? s('path', { d: path, class: 'chart-line' }) : null,
    shown.map((p) => s('circle', { cx: p.x, cy: y(p.value), r: 4, class: 'chart-dot' }, s('title', {}, `${p.label}: ${Math.round(p.value * 100)}%`))),
    points.map((p, i) => (i % every === 0 || i === points.length - 1 ? s('text', { x: pad + i * step, y: hgt - 8, 'text-anchor': 'middle', class: 'chart-label' }, p.label) : null)),
  );
}

function heatMap(depts, cells, { label, testid }) {
  const n = depts.length;
  const size = 44;
  const left = 110;
  const top = 100;
  const by = new Map(cells.map((c) => [`${c.source}:${c.target}`, c]));
  const max = Math.max(1, ...cells.map((c) => c.total ?? 0));
  const name = (d) => (d.name.length > 12 ? `${d.name.slice(0, 11)}…` : d.name);
  const rects = [];
  depts.forEach((a, i) =>
    depts.forEach((b, j) => {
      const c = by.get(`${a.id}:${b.id}`);
      const x = left + j * size;
      const yy = top + i * size;
      const tip = c.suppressed
        ? t('analytics.cellSuppressed', { from: a.name, to: b.name })
        : t('analytics.cell', { from: a.name, to: b.name, total: formatNumber(c.total), comments: formatNumber(c.comments), likes: formatNumber(c.likes), mentions: formatNumber(c.mentions), groups: formatNumber(c.shared_groups) });
      const shade = c.suppressed ? null : 0.08 + (0.92 * c.total) / max;
      rects.push(
        s(
          'g',
          { 'data-testid': 'heat-cell', 'data-suppressed': String(c.suppressed) },
          s('rect', { x, y: yy, width: size - 2, height: size - 2, class: c.suppressed ? 'heat-suppressed' : 'heat-cell', 'fill-opacity': shade === null ? null : shade.toFixed(3) }, s('title', {}, tip)),
          s('text', { x: x + size / 2 - 1, y: yy + size / 2 + 4, 'text-anchor': 'middle', class: shade !== null && shade > 0.55 ? 'heat-text light' : 'heat-text' }, c.suppressed ? '<5' : formatNumber(c.total)),
        ),
      );
    }),
  );
  return s(
    'svg',
    { viewBox: `0 0 ${left + n * size + 4} ${top + n * size + 4}`, class: 'chart heat', role: 'img', 'aria-label': label, 'data-testid': testid },
    s('title', {}, label),
    depts.map((d, i) => s('text', { x: left - 6, y: top + i * size + size / 2 + 4, 'text-anchor': 'end', class: 'chart-label' }, name(d))),
    depts.map((d, j) => s('text', { x: left + j * size + size / 2, y: top - 6, transform: `rotate(-45 ${left + j * size + size / 2} ${top - 6})`, class: 'chart-label' }, name(d))),
    rects,
  );
}

function table(head, rows, testid) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', dataset: { testid } },
      h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col', text: x })))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => (c instanceof Node ? h('td', {}, c) : h('td', { text: c })))))),
    ),
  );
}

export function mount(container) {
  if (!isAdmin()) {
    app.emit('title', t('notfound.title'));
    container.replaceChildren(notFound(t('admin.only')));
    return { destroy() {} };
  }
  let alive = true;
  app.emit('title', t('analytics.title'));
  const status = h('p', { class: 'muted', role: 'status', dataset: { testid: 'analytics-status' }, text: t('common.loading') });
  const body = h('div', { class: 'stack' });
  container.replaceChildren(
    h(
      'div',
      { class: 'page analytics', dataset: { testid: 'analytics-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('analytics.title') }), h('a', { href: '#/admin', class: 'btn small ghost', text: t('analytics.back') })),
      h('p', { class: 'muted', text: t('analytics.lead') }),
      status,
      body,
    ),
  );

  function render(r) {
    status.textContent = r.computed_at ? t('analytics.computed', { when: formatFull(r.computed_at), seconds: r.seconds ?? 0 }) : t('analytics.notYet');
    const point = (a, fmt = short) => ({ label: fmt(a.period), value: a.people, suppressed: a.suppressed });
    const lastWeek = r.weeks.length ? r.weeks[r.weeks.length - 1].period : '';
    const deptRows = r.departments.filter((d) => d.week === lastWeek);
    const feature = (f) => {
      let trend = '—';
      if (f.change !== null) trend = f.change > 0 ? `▲ ${formatNumber(f.change)}` : f.change < 0 ? `▼ ${formatNumber(-f.change)}` : '＝';
      let note = '';
      if (!f.available) note = t('analytics.notAvailable');
      else if (f.unused) note = t('analytics.unused');
      else if (f.suppressed) note = t('analytics.few');
      const ask = f.available && (f.unused || f.suppressed) && r.survey_url ? h('a', { href: r.survey_url, dataset: { testid: 'analytics-survey-link' }, text: t('analytics.askWhy') }) : null;
      return h(
        'tr',
        { class: f.unused ? 'flag-unused' : '', dataset: { testid: 'feature-row', feature: f.feature } },
        h('th', { scope: 'row', text: t(`analytics.feature.${f.feature}`) }),
        h('td', { text: f.available ? num(f.people, f.suppressed) : '—' }),
        h('td', { text: f.available ? num(f.previous, f.previous === null) : '—' }),
        h('td', { text: trend }),
        h('td', {}, note ? h('span', { class: f.unused ? 'badge danger' : 'badge', dataset: { testid: 'feature-flag' }, text: note }) : null, ask ? ' ' : null, ask),
      );
    };
    const channelRows = (list) => list.map((c) => [c.name, t(`analytics.kind.${c.kind}`), num(c.people, c.suppressed), num(c.actions, c.suppressed)]);
    const nq = r.newcomers?.questions;
    body.replaceChildren(
      section(
        'analytics-active',
        t('analytics.active'),
        ['active_days', 'active_weeks', 'active_months'],
        h('h3', { text: t('analytics.perDay') }),
        barChart(r.days.map((a) => point(a)), { label: t('analytics.perDay'), testid: 'chart-days' }),
        h('h3', { text: t('analytics.perWeek') }),
        barChart(r.weeks.map((a) => point(a)), { label: t('analytics.perWeek'), testid: 'chart-weeks' }),
        h('h3', { text: t('analytics.perMonth') }),
        barChart(r.months.map((a) => point(a, (p) => p.slice(0, 7))), { label: t('analytics.perMonth'), testid: 'chart-months' }),
      ),
      section(
        'analytics-features',
        t('analytics.features'),
        'features',
        h('p', { class: 'muted', text: t('analytics.featuresLead') }),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', dataset: { testid: 'analytics-features-table' } },
            h('thead', {}, h('tr', {}, [t('analytics.feature'), t('analytics.people30'), t('analytics.previous30'), t('analytics.trend'), ''].map((x) => h('th', { scope: 'col', text: x })))),
            h('tbody', {}, r.features.map(feature)),
          ),
        ),
        surveyForm(r.survey_url),
      ),
      section(
        'analytics-departments',
        t('analytics.departments'),
        'departments',
        h('p', { class: 'muted', text: t('analytics.weekOf', { week: lastWeek }) }),
        table([t('analytics.department'), t('analytics.people'), t('analytics.posts'), t('analytics.comments'), t('analytics.likes')], deptRows.map((d) => [d.department, num(d.people, d.suppressed), num(d.posts, d.suppressed), num(d.comments, d.suppressed), num(d.likes, d.suppressed)]), 'analytics-departments-table'),
      ),
      section(
        'analytics-channels',
        t('analytics.channels'),
        ['most_active_channels', 'least_active_channels'],
        h('h3', { text: t('analytics.most') }),
        table([t('analytics.channel'), t('analytics.kind'), t('analytics.people'), t('analytics.actions')], channelRows(r.most_active_channels), 'analytics-most'),
        h('h3', { text: t('analytics.least') }),
        table([t('analytics.channel'), t('analytics.kind'), t('analytics.people'), t('analytics.actions')], channelRows(r.least_active_channels), 'analytics-least'),
      ),
      section(
        'analytics-across',
        t('analytics.across'),
        ['matrix', 'crossing'],
        h('p', { class: 'muted', text: t('analytics.matrixLead') }),
        r.matrix_departments.length ? h('div', { class: 'heat-wrap' }, heatMap(r.matrix_departments, r.matrix, { label: t('analytics.matrix'), testid: 'chart-matrix' })) : h('p', { class: 'muted', text: t('analytics.noDepartments') }),
        h('h3', { text: t('analytics.index') }),
        h('p', { class: 'muted', text: t('analytics.indexLead') }),
        lineChart(r.crossing.map((c) => ({ label: short(c.week), value: c.index, suppressed: c.suppressed })), { label: t('analytics.index'), testid: 'chart-index' }),
      ),
      section(
        'analytics-newcomers',
        t('analytics.newcomers'),
        ['newcomer_questions', 'newcomer_weeks'],
        nq
          ? table(
              [t('analytics.questions'), t('analytics.askers'), t('analytics.answered'), t('analytics.median'), t('analytics.withinDay')],
              [[num(nq.questions, nq.suppressed), num(nq.askers, nq.suppressed), num(nq.answered, nq.suppressed), nq.median_hours_to_first_answer === null ? num(null, nq.suppressed) : t('analytics.hours', { hours: nq.median_hours_to_first_answer }), nq.answered_within_day === null ? num(null, nq.suppressed) : `${Math.round(nq.answered_within_day * 100)}%`]],
              'analytics-newcomer-questions',
            )
          : null,
        r.newcomers
          ? table(
              [t('analytics.week'), t('analytics.newcomerCount'), t('analytics.activeCount'), t('analytics.posts'), t('analytics.comments'), t('analytics.likes')],
              r.newcomers.weeks.map((w) => [t('analytics.weekN', { n: w.week }), num(w.newcomers, w.suppressed), num(w.active, w.suppressed), num(w.posts, w.suppressed), num(w.comments, w.suppressed), num(w.likes, w.suppressed)]),
              'analytics-newcomer-weeks',
            )
          : null,
      ),
    );
  }

  function surveyForm(current) {
    const input = h('input', { type: 'text', value: current, placeholder: '#/… https://…', dataset: { testid: 'analytics-survey-url' } });
    const error = errorBox('analytics-survey-error');
    return h(
      'form',
      {
        class: 'row gap wrap end',
        onsubmit: async (ev) => {
          ev.preventDefault();
          error.set('');
          try {
            await put('/api/analytics/settings', { survey_url: input.value.trim() });
            toast(t('analytics.surveySaved'));
            load();
          } catch (err) {
            error.set(errorText(err));
          }
        },
      },
      field(t('analytics.survey'), input, t('analytics.surveyHint')),
      h('button', { type: 'submit', class: 'btn', dataset: { testid: 'analytics-survey-save' }, text: t('common.save') }),
      error,
    );
  }

  async function load() {
    try {
      const r = await get('/api/analytics');
      if (alive) render(r);
    } catch (err) {
      if (alive) status.textContent = errorText(err);
    }
  }
  load();
  return {
    destroy() {
      alive = false;
    },
  };
}
