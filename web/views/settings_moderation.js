// Account settings: one's warnings and sanctions (GET /api/me/sanctions), each
// appealable once with a note, and one's reports with what came of them
// (GET /api/me/reports). Nothing here names a moderator, nor who reported.
import { get, post } from '../api.js';
import { field, h } from '../dom.js';
import { formatFull, t } from '../i18n/index.js';
import { app } from '../state.js';
import { errorBox, errorText } from './errors.js';

export function sanctionsSection() {
  let alive = true;
  const title = t('sanctions.title');
  const list = h('div', { class: 'stack', dataset: { testid: 'sanctions-list' } }, h('p', { class: 'muted', text: t('common.loading') }));
  const error = errorBox('sanctions-error');

  async function load() {
    try {
      const rows = await get('/api/me/sanctions');
      if (!alive) return;
      list.replaceChildren(...(rows.length ? rows.map(card) : [h('p', { class: 'muted', dataset: { testid: 'sanctions-empty' }, text: t('sanctions.none') })]));
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
  }

  function card(s) {
    const facts = [
      h('strong', { dataset: { testid: 'sanction-kind' }, text: t(`sanctions.kind.${s.kind}`) }),
      h('span', { class: 'muted small', text: ` · ${formatFull(s.created_at)}` }),
    ];
    const lines = [
      h('p', { dataset: { testid: 'sanction-reason' }, text: t('sanctions.reason', { reason: s.reason }) }),
      s.clause ? h('p', { dataset: { testid: 'sanction-clause' }, text: t('sanctions.clause', { clause: s.clause }) }) : null,
      s.ends_at ? h('p', { dataset: { testid: 'sanction-ends' }, text: t(s.in_force ? 'sanctions.until' : 'sanctions.ended', { when: formatFull(s.ends_at) }) }) : null,
      s.lifted_at ? h('p', { class: 'muted', text: t('sanctions.lifted', { when: formatFull(s.lifted_at) }) }) : null,
    ];
    const appeal = h('div', { class: 'stack' });
    if (s.appealed_at) {
      appeal.append(
        h('p', { class: 'muted small', dataset: { testid: 'sanction-appealed' }, text: t('sanctions.appealed', { note: s.appeal_note }) }),
        s.appeal_decision ? h('p', { dataset: { testid: 'sanction-appeal-decision' }, text: t(`sanctions.appeal.${s.appeal_decision}`, { reason: s.appeal_reason ?? '' }) }) : null,
      );
    } else {
      const note = h('textarea', { rows: '2', maxlength: '1000', dataset: { testid: 'appeal-note' } });
      const err = errorBox('appeal-error');
      const send = h('button', { type: 'submit', class: 'btn small', dataset: { testid: 'appeal-send' }, text: t('sanctions.appealSend') });
      appeal.append(
        h(
          'form',
          {
            class: 'stack',
            onsubmit: async (ev) => {
              ev.preventDefault();
              if (!note.value.trim()) return err.set(t('sanctions.appealEmpty'));
              send.disabled = true;
              try {
                await post(`/api/me/sanctions/${s.id}/appeal`, { note: note.value.trim() });
                load();
              } catch (e) {
                send.disabled = false;
                err.set(errorText(e));
              }
            },
          },
          field(t('sanctions.appealNote'), note, t('sanctions.appealHint')),
          err,
          h('div', { class: 'row' }, send),
        ),
      );
    }
    return h('article', { class: 'card stack sanction', dataset: { testid: 'sanction', kind: s.kind, id: String(s.id) } }, h('p', {}, facts), lines, appeal);
  }

  return followed('settings-sanctions', title, t('sanctions.lead'), [error, list], load, () => {
    alive = false;
  });
}

export function reportsSection() {
  let alive = true;
  const title = t('myReports.title');
  const list = h('ul', { class: 'plain-list stack', dataset: { testid: 'my-reports' } });
  const error = errorBox('my-reports-error');

  async function load() {
    try {
      const rows = await get('/api/me/reports');
      if (!alive) return;
      list.replaceChildren(
        ...(rows.length
          ? rows.map((r) =>
              h(
                'li',
                { class: 'card', dataset: { testid: 'my-report', status: r.status } },
                h('p', {}, h('strong', { text: t(`report.reason.${r.reason}`) }), h('span', { class: 'muted small', text: ` · ${formatFull(r.created_at)}` })),
                r.excerpt ? h('p', { class: 'muted', text: r.excerpt }) : null,
                h('p', { dataset: { testid: 'my-report-outcome' }, text: r.decision ? t(`myReports.decision.${r.decision}`) : t('myReports.open') }),
              ),
            )
          : [h('li', { class: 'muted', text: t('myReports.none') })]),
      );
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
  }
  return followed('settings-reports', title, t('myReports.lead'), [error, list], load, () => {
    alive = false;
  });
}

/**
 * A Settings section about one's moderation (sanctions, reports): loaded now
 * and again whenever a moderator's notice arrives; `stop` when it goes.
 */
function followed(id, title, lead, parts, load, stop) {
  load();
  const off = app.on?.('moderation-notice', () => load());
  const el = h(
    'section',
    { id, class: 'admin-section', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title`, tabindex: '-1', text: title }),
    h('p', { class: 'muted', text: lead }),
    ...parts,
  );
  return {
    el,
    title,
    destroy() {
      stop();
      off?.();
    },
  };
}
