// Admin: retention and export. Each channel's retention (GET /api/retention,
// PUT /api/channels/{id}/retention: posts older than so many days are deleted
// by the server, with their comments, likes and files; empty keeps
// everything), the whole network's export (GET /api/export, a zip of JSON
// lines and files) and its import into a fresh installation (POST
// /api/import: refused anywhere else).
import { get, put, upload } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText, toast } from './errors.js';

const MAX_DAYS = 36500;

export function dataSection() {
  let alive = true;
  const rows = h('div', { class: 'stack', dataset: { testid: 'retention-list' } }, h('p', { class: 'muted', text: t('common.loading') }));
  const listError = errorBox('retention-error');

  function row(rule) {
    const input = h('input', {
      type: 'number',
      min: '1',
      max: String(MAX_DAYS),
      step: '1',
      inputmode: 'numeric',
      placeholder: t('data.keepAll'),
      value: rule.days == null ? '' : String(rule.days),
      'aria-label': t('data.daysFor', { name: rule.name }),
      dataset: { testid: 'retention-days' },
    });
    const save = h('button', { type: 'submit', class: 'btn small', dataset: { testid: 'retention-save' }, text: t('common.save') });
    const status = h('span', { class: 'muted small', dataset: { testid: 'retention-status' }, text: describe(rule.days) });
    return h(
      'form',
      {
        class: 'row gap wrap retention-row',
        novalidate: true,
        dataset: { testid: 'retention-row', id: String(rule.channel_id) },
        onsubmit: async (ev) => {
          ev.preventDefault();
          listError.set('');
          const raw = input.value.trim();
          const days = raw === '' ? null : Number(raw);
          if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)) return listError.set(t('data.daysInvalid', { max: MAX_DAYS }));
          save.disabled = true;
          try {
            const saved = await put(`/api/channels/${rule.channel_id}/retention`, { days });
            status.textContent = describe(saved.days);
            toast(t('data.retentionSaved'));
          } catch (err) {
            listError.set(errorText(err));
          } finally {
            save.disabled = false;
          }
        },
      },
      h('span', { class: 'grow', text: rule.kind === 'department' ? t('data.departmentChannel', { name: rule.name }) : rule.name }),
      input,
      save,
      status,
    );
  }

  function describe(days) {
    return days == null ? t('data.keptForever') : t('data.keptDays', { days });
  }

  get('/api/retention')
    .then((rules) => {
      if (!alive) return;
      rows.replaceChildren(...(rules.length ? rules.map(row) : [h('p', { class: 'muted', text: t('data.noChannels') })]));
    })
    .catch((err) => alive && listError.set(errorText(err)));

  const file = h('input', { type: 'file', accept: '.zip,application/zip', dataset: { testid: 'import-file' } });
  const importError = errorBox('import-error');
  const importDone = h('p', { class: 'notice', role: 'status', hidden: true, dataset: { testid: 'import-done' } });
  const importButton = h('button', { type: 'submit', class: 'btn', dataset: { testid: 'import-submit' }, text: t('data.import') });
  const importForm = h(
    'form',
    {
      class: 'card stack narrow-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        importError.set('');
        importDone.hidden = true;
        const chosen = file.files?.[0];
        if (!chosen) return importError.set(t('data.chooseFile'));
        if (!window.confirm(t('data.importConfirm'))) return;
        importButton.disabled = true;
        try {
          const done = await upload('/api/import', chosen, 'application/zip');
          const count = Object.values(done.records).reduce((a, b) => a + b, 0);
          importDone.textContent = t('data.imported', { records: count, files: done.files });
          importDone.hidden = false;
        } catch (err) {
          importError.set(
            errorText(err, {
              import_invalid: t('data.importInvalid', { reason: err.message }),
              not_empty: t('data.notEmpty'),
              import_failed: t('data.importInvalid', { reason: err.message }),
            }),
          );
        } finally {
          importButton.disabled = false;
        }
      },
    },
    h('p', { class: 'muted small', text: t('data.importLead') }),
    field(t('data.importFile'), file),
    importError,
    importDone,
    h('div', { class: 'row end' }, importButton),
  );

  const el = h(
    'section',
    { id: 'admin-data', class: 'admin-section', 'aria-labelledby': 'admin-data-title', dataset: { testid: 'admin-data' } },
    h('h2', { id: 'admin-data-title', tabindex: '-1', text: t('admin.data') }),
    h('h3', { text: t('data.retention') }),
    h('p', { class: 'muted', text: t('data.retentionLead') }),
    h('div', { class: 'card stack' }, rows, listError),
    h('h3', { text: t('data.export') }),
    h('p', { class: 'muted', text: t('data.exportLead') }),
    h('div', { class: 'row' }, h('a', { class: 'btn', href: '/api/export', download: '', dataset: { testid: 'network-export' }, text: t('data.exportButton') })),
    h('h3', { text: t('data.importTitle') }),
    importForm,
  );
  return {
    el,
    destroy() {
      alive = false;
    },
  };
}
