// The moderators' and admins' queue (#/moderation): open reports, each with
// the reported content in its thread and channel, the person's earlier
// reports and sanctions, and the actions (dismiss, hide, delete, warn citing a
// clause of the terms, mute or suspend for a period), each with a reason;
// then appeals to uphold or lift. Decided reports are a tab away.
import { get, post } from '../api.js';
import { field, h } from '../dom.js';
import { formatFull, t } from '../i18n/index.js';
import { safeFragment } from '../safe_html.js';
import { app, canModerate } from '../state.js';
import { errorBox, errorText, toast } from './errors.js';
import { notFound } from './notfound.js';

const ACTIONS = ['dismiss', 'hide', 'delete', 'warn', 'mute', 'suspend'];
// Periods offered for a mute or a suspension, in seconds.
const PERIODS = [
  ['1h', 3600],
  ['1d', 86400],
  ['7d', 7 * 86400],
  ['30d', 30 * 86400],
];

export function mount(container) {
  if (!canModerate()) {
    app.emit('title', t('notfound.title'));
    container.replaceChildren(notFound(t('moderation.only')));
    return { destroy() {} };
  }
  app.emit('title', t('moderation.title'));
  let alive = true;
  let status = 'open';
  const list = h('div', { class: 'stack', dataset: { testid: 'report-queue' } });
  const appeals = h('div', { class: 'stack', dataset: { testid: 'appeal-queue' } });
  const error = errorBox('moderation-error');
  const tabs = h('div', { class: 'row gap', role: 'tablist' });

  function renderTabs() {
    tabs.replaceChildren(
      ...['open', 'decided'].map((s) =>
        h('button', {
          type: 'button',
          role: 'tab',
          class: `btn small${s === status ? ' primary' : ''}`,
          'aria-selected': String(s === status),
          dataset: { testid: `queue-${s}` },
          text: t(`moderation.tab.${s}`),
          onclick: () => {
            status = s;
            load();
          },
        }),
      ),
    );
  }

  async function load() {
    renderTabs();
    error.set('');
    try {
      const [page, waiting] = await Promise.all([get(`/api/moderation/reports?status=${status}`), get('/api/moderation/appeals')]);
      if (!alive) return;
      list.replaceChildren(...(page.reports.length ? page.reports.map(reportCard) : [h('p', { class: 'muted', dataset: { testid: 'queue-empty' }, text: t('moderation.empty') })]));
      appeals.replaceChildren(...(waiting.length ? waiting.map(appealCard) : [h('p', { class: 'muted', text: t('moderation.noAppeals') })]));
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
  }

  function content(c) {
    if (!c) return null;
    return h(
      'div',
      { class: `reported-content${c.hidden != null ? ' is-hidden' : ''}`, dataset: { testid: 'reported-content', postId: String(c.id) } },
      h('p', { class: 'small muted' }, h('strong', { text: c.author.display_name }), ` · #${c.channel_name} · ${formatFull(c.created_at)}`),
      c.deleted ? h('p', { class: 'muted', text: t('moderation.deleted') }) : h('div', { class: 'post-body' }, safeFragment(c.html)),
      c.hidden != null ? h('p', { class: 'hidden-note', text: t('post.hiddenWhy', { reason: c.hidden }) }) : null,
    );
  }

  function reportCard(r) {
    const body = h('div', { class: 'stack' });
    const card = h(
      'article',
      { class: 'card stack report-card', dataset: { testid: 'report', id: String(r.id), status: r.status } },
      h(
        'p',
        {},
        h('strong', { dataset: { testid: 'report-reason-label' }, text: t(`report.reason.${r.reason}`) }),
        ' · ',
        h('span', { text: t(`moderation.target.${r.target_type}`, { name: r.person.display_name }) }),
        h('span', { class: 'muted small', text: ` · ${formatFull(r.created_at)}` }),
      ),
      h('p', { class: 'small', text: t('moderation.by', { name: r.reporter.display_name }) }),
      r.note ? h('blockquote', { dataset: { testid: 'report-note-text' }, text: r.note }) : null,
      content(r.content),
      r.earlier_reports ? h('p', { class: 'small warn', text: t('moderation.earlier', { count: r.earlier_reports }) }) : null,
      r.decision ? h('p', { dataset: { testid: 'report-decision' }, text: t('moderation.decided', { action: t(`moderation.action.${r.decision}`), reason: r.decision_reason ?? '' }) }) : null,
      body,
    );
    const more = h('button', {
      type: 'button',
      class: 'btn small',
      dataset: { testid: 'report-open' },
      text: r.status === 'open' ? t('moderation.decide') : t('moderation.context'),
      onclick: () => openDetail(r, body, more),
    });
    body.append(more);
    return card;
  }

  async function openDetail(r, body, more) {
    more.disabled = true;
    let detail;
    try {
      detail = await get(`/api/moderation/reports/${r.id}`);
    } catch (err) {
      more.disabled = false;
      return toast(errorText(err));
    }
    const thread = detail.thread.length
      ? h('details', { class: 'context', open: true }, h('summary', { text: t('moderation.thread', { channel: detail.thread[0].channel_name }) }), detail.thread.map(content))
      : null;
    const history = h(
      'details',
      { class: 'context' },
      h('summary', { text: t('moderation.history', { reports: detail.history.length, sanctions: detail.sanctions.length }) }),
      h(
        'ul',
        { class: 'plain-list small', dataset: { testid: 'person-history' } },
        detail.sanctions.map((s) => h('li', { text: `${t(`sanctions.kind.${s.kind}`)} · ${s.reason} · ${formatFull(s.created_at)}${s.in_force ? '' : ` (${t('moderation.notInForce')})`}` })),
        detail.history.map((o) => h('li', { text: `${t(`report.reason.${o.reason}`)} · ${formatFull(o.created_at)} · ${o.decision ? t(`moderation.action.${o.decision}`) : t('myReports.open')}` })),
      ),
    );
    body.replaceChildren(thread, history, r.status === 'open' ? decisionForm(r) : null);
  }

  function decisionForm(r) {
    const action = h(
      'select',
      { dataset: { testid: 'decision-action' } },
      ACTIONS.filter((a) => r.content || (a !== 'hide' && a !== 'delete')).map((a) => h('option', { value: a, text: t(`moderation.action.${a}`) })),
    );
    const reason = h('textarea', { rows: '2', maxlength: '1000', required: true, dataset: { testid: 'decision-reason' } });
    const clause = h('input', { type: 'text', maxlength: '200', dataset: { testid: 'decision-clause' }, placeholder: t('moderation.clauseExample') });
    const period = h(
      'select',
      { dataset: { testid: 'decision-period' } },
      PERIODS.map(([key, seconds]) => h('option', { value: String(seconds), text: t(`moderation.period.${key}`) })),
      h('option', { value: 'custom', text: t('moderation.period.custom') }),
    );
    const seconds = h('input', { type: 'number', min: '1', step: '1', hidden: true, dataset: { testid: 'decision-seconds' }, 'aria-label': t('moderation.seconds') });
    period.addEventListener('change', () => {
      seconds.hidden = period.value !== 'custom';
    });
    const clauseField = field(t('moderation.clause'), clause, t('moderation.clauseHint'));
    const periodField = h('div', { class: 'field' }, h('label', { text: t('moderation.period') }), period, seconds);
    const show = () => {
      clauseField.hidden = action.value !== 'warn';
      periodField.hidden = action.value !== 'mute' && action.value !== 'suspend';
    };
    action.addEventListener('change', show);
    show();
    const err = errorBox('decision-error');
    const send = h('button', { type: 'submit', class: 'btn primary small', dataset: { testid: 'decision-send' }, text: t('moderation.apply') });
    return h(
      'form',
      {
        class: 'stack decision-form',
        dataset: { testid: 'decision-form' },
        onsubmit: async (ev) => {
          ev.preventDefault();
          err.set('');
          const body = { action: action.value, reason: reason.value.trim() };
          if (!body.reason) return err.set(t('moderation.reasonNeeded'));
          if (body.action === 'warn') {
            if (!clause.value.trim()) return err.set(t('moderation.clauseNeeded'));
            body.clause = clause.value.trim();
          }
          if (body.action === 'mute' || body.action === 'suspend') {
            body.duration_seconds = Number(period.value === 'custom' ? seconds.value : period.value);
            if (!Number.isInteger(body.duration_seconds) || body.duration_seconds < 1) return err.set(t('moderation.periodInvalid'));
          }
          send.disabled = true;
          try {
            await post(`/api/moderation/reports/${r.id}/decision`, body);
            toast(t('moderation.done'));
            load();
          } catch (e) {
            send.disabled = false;
            err.set(errorText(e));
          }
        },
      },
      field(t('moderation.action'), action),
      field(t('moderation.reason'), reason, t('moderation.reasonHint')),
      clauseField,
      periodField,
      err,
      h('div', { class: 'row' }, send),
    );
  }

  function appealCard({ sanction: s, person }) {
    const reason = h('textarea', { rows: '2', maxlength: '1000', dataset: { testid: 'appeal-decision-reason' } });
    const err = errorBox('appeal-decision-error');
    const decide = (outcome) => async () => {
      if (!reason.value.trim()) return err.set(t('moderation.reasonNeeded'));
      try {
        await post(`/api/moderation/sanctions/${s.id}/appeal-decision`, { outcome, reason: reason.value.trim() });
        toast(t('moderation.done'));
        load();
      } catch (e) {
        err.set(errorText(e));
      }
    };
    return h(
      'article',
      { class: 'card stack', dataset: { testid: 'appeal', id: String(s.id) } },
      h('p', {}, h('strong', { text: person.display_name }), ` · ${t(`sanctions.kind.${s.kind}`)} · ${s.reason}`),
      h('blockquote', { text: s.appeal_note }),
      field(t('moderation.reason'), reason),
      err,
      h(
        'div',
        { class: 'row gap' },
        h('button', { type: 'button', class: 'btn small', dataset: { testid: 'appeal-uphold' }, onclick: decide('uphold'), text: t('moderation.uphold') }),
        h('button', { type: 'button', class: 'btn small primary', dataset: { testid: 'appeal-lift' }, onclick: decide('lift'), text: t('moderation.lift') }),
      ),
    );
  }

  container.replaceChildren(
    h(
      'div',
      { class: 'page moderation', dataset: { testid: 'moderation-page' } },
      h('div', { class: 'page-head' }, h('h1', { text: t('moderation.title') })),
      h('section', { class: 'admin-section', 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title', text: t('moderation.queue') }), tabs, error, list),
      h('section', { class: 'admin-section', 'aria-labelledby': 'appeals-title' }, h('h2', { id: 'appeals-title', text: t('moderation.appeals') }), appeals),
    ),
  );
  load();
  return {
    destroy() {
      alive = false;
    },
  };
}
