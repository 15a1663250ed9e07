// Admin: the audit log (GET /api/audit): every admin and moderator action and
// security event, newest first, filtered by person, action and dates, a page
// at a time; the same as a CSV file (GET /api/audit/export); and how long
// entries are kept (PUT /api/audit/settings). Nothing here changes an entry.
import { get, put } from '../api.js';
import { field, h } from '../dom.js';
import { formatFull, t } from '../i18n/index.js';
import { errorBox, errorText, toast } from './errors.js';

export function auditSection() {
  let alive = true;
  let before = null;
  const person = h('select', { dataset: { testid: 'audit-person' } }, h('option', { value: '', text: t('audit.anyone') }));
  const action = h('select', { dataset: { testid: 'audit-action' } }, h('option', { value: '', text: t('audit.anyAction') }));
  const since = h('input', { type: 'date', dataset: { testid: 'audit-since' } });
  const until = h('input', { type: 'date', dataset: { testid: 'audit-until' } });
  const rows = h('tbody', { dataset: { testid: 'audit-rows' } });
  const more = h('button', { type: 'button', class: 'btn small', hidden: true, dataset: { testid: 'audit-more' }, text: t('audit.more'), onclick: () => load(true) });
  const exportLink = h('a', { class: 'btn small', dataset: { testid: 'audit-export' }, text: t('audit.export') });
  const error = errorBox('audit-error');
  const days = h('input', { type: 'number', min: '1', max: '36500', step: '1', dataset: { testid: 'audit-retention' } });
  const retentionError = errorBox('audit-retention-error');

  function query() {
    const q = new URLSearchParams();
    if (person.value) q.set('person', person.value);
    if (action.value) q.set('action', action.value);
    if (since.value) q.set('since', since.value);
    if (until.value) q.set('until', until.value);
    return q;
  }

  async function load(older = false) {
    error.set('');
    const q = query();
    exportLink.href = `/api/audit/export?${q}`;
    if (older && before) q.set('before', String(before));
    try {
      const page = await get(`/api/audit?${q}`);
      if (!alive) return;
      const made = page.entries.map(row);
      if (older) rows.append(...made);
      else rows.replaceChildren(...(made.length ? made : [h('tr', {}, h('td', { colspan: '5', class: 'muted', text: t('audit.none') }))]));
      before = page.before;
      more.hidden = before == null;
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
  }

  function values(v) {
    if (!v) return '';
    return Object.entries(v)
      .map(([k, x]) => `${k}: ${typeof x === 'object' && x !== null ? JSON.stringify(x) : x}`)
      .join(', ');
  }

  function row(e) {
    const change = e.old || e.new ? `${values(e.old)} → ${values(e.new)}` : values(e.details);
    return h(
      'tr',
      { dataset: { testid: 'audit-row', action: e.action } },
      h('td', { class: 'nowrap', text: formatFull(e.at) }),
      h('td', { dataset: { testid: 'audit-row-action' }, text: actionName(e.action) }),
      h('td', { dataset: { testid: 'audit-row-actor' }, text: e.actor || '—' }),
      h('td', { dataset: { testid: 'audit-row-target' }, text: e.target || (e.target_id ?? '') }),
      h('td', { class: 'small', text: change }),
    );
  }

  function actionName(a) {
    const key = `audit.action.${a}`;
    const said = t(key);
    return said === key ? a : said;
  }

  for (const el of [person, action, since, until]) el.addEventListener('change', () => load());

  Promise.all([get('/api/audit/actions'), get('/api/users'), get('/api/audit/settings')])
    .then(([actions, people, rules]) => {
      if (!alive) return;
      action.append(...actions.map((a) => h('option', { value: a, text: actionName(a) })));
      person.append(...people.map((p) => h('option', { value: String(p.id), text: p.display_name })));
      days.value = String(rules.retention_days);
    })
    .catch((err) => alive && error.set(errorText(err)));
  load();

  const retention = h(
    'form',
    {
      class: 'row gap end',
      onsubmit: async (ev) => {
        ev.preventDefault();
        retentionError.set('');
        const n = Number(days.value);
        if (!Number.isInteger(n) || n < 1 || n > 36500) return retentionError.set(t('audit.retentionInvalid'));
        try {
          await put('/api/audit/settings', { retention_days: n });
          toast(t('audit.retentionSaved'));
          load();
        } catch (err) {
          retentionError.set(errorText(err));
        }
      },
    },
    field(t('audit.retention'), days, t('audit.retentionHint')),
    h('button', { type: 'submit', class: 'btn small', dataset: { testid: 'audit-retention-save' }, text: t('common.save') }),
    retentionError,
  );

  const el = h(
    'section',
    { id: 'admin-audit', class: 'admin-section', 'aria-labelledby': 'admin-audit-title', dataset: { testid: 'audit-section' } },
    h('h2', { id: 'admin-audit-title', tabindex: '-1', text: t('admin.audit') }),
    h('p', { class: 'muted', text: t('audit.lead') }),
    h('div', { class: 'row gap wrap' }, field(t('audit.person'), person), field(t('audit.action'), action), field(t('audit.since'), since), field(t('audit.until'), until), exportLink),
    error,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data-table audit-table' },
        h('thead', {}, h('tr', {}, ['at', 'action', 'actor', 'target', 'change'].map((c) => h('th', { scope: 'col', text: t(`audit.col.${c}`) })))),
        rows,
      ),
    ),
    more,
    retention,
  );
  return {
    el,
    destroy() {
      alive = false;
    },
  };
}
