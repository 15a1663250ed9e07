// Admin: importing people from a CSV file. Pick a file, check it (the server
// judges every row and makes nothing: POST /api/users/import/preview), see the
// rows with their problems highlighted, then import them all (or, with any
// problem left, nobody). Each new person gets a one-time link to choose a
// password, shown here once to copy.
import { upload } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { copyRow, copyText } from './admin_fields.js';
import { errorBox, errorText } from './errors.js';

const COLUMNS = ['email', 'name', 'reading', 'department', 'role', 'start_date'];
const CSV = 'text/csv';

/** A problem of a row, in the admin's language. */
function problem(error) {
  return t(`csv.row.${error.code}`, { row: error.row });
}

/** A problem of the whole file (the server's `csv` reason), in the admin's language. */
function fileProblem(err) {
  const reason = err.details?.csv;
  if (reason) {
    return t(`csv.file.${reason}`, { columns: (err.details.columns ?? []).join(', '), limit: err.details.limit });
  }
  if (err.code === 'too_large') return t('csv.file.too_large');
  return errorText(err);
}

export function importPanel({ onImported }) {
  let file = null;
  const input = h('input', { type: 'file', accept: '.csv,text/csv', dataset: { testid: 'import-file' } });
  const check = h('button', { type: 'button', class: 'btn', disabled: true, dataset: { testid: 'import-check' }, text: t('admin.importCheck') });
  const error = errorBox('import-error');
  const summary = h('p', { role: 'status', dataset: { testid: 'import-summary' } });
  const table = h('div', { class: 'table-wrap', dataset: { testid: 'import-preview' } });
  const confirm = h('button', { type: 'button', class: 'btn primary', hidden: true, dataset: { testid: 'import-confirm' } });
  const result = h('div', { class: 'stack', dataset: { testid: 'import-result' } });

  function reset() {
    error.set('');
    summary.replaceChildren();
    table.replaceChildren();
    confirm.hidden = true;
    result.replaceChildren();
  }

  input.addEventListener('change', () => {
    file = input.files?.[0] ?? null;
    check.disabled = !file;
    reset();
  });

  check.addEventListener('click', async () => {
    if (!file) return;
    reset();
    check.disabled = true;
    try {
      showPreview(await upload('/api/users/import/preview', file, CSV));
    } catch (err) {
      error.set(fileProblem(err));
    } finally {
      check.disabled = false;
    }
  });

  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    error.set('');
    try {
      const made = await upload('/api/users/import', file, CSV);
      showResult(made.created);
      table.replaceChildren();
      summary.replaceChildren();
      confirm.hidden = true;
      input.value = '';
      file = null;
      check.disabled = true;
      onImported?.();
    } catch (err) {
      // Someone changed things since the check (an email taken meanwhile): show why.
      if (err.details?.rows) showPreview({ rows: err.details.rows, invalid: err.details.rows.length, encoding: 'utf-8' });
      else error.set(fileProblem(err));
    } finally {
      confirm.disabled = false;
    }
  });

  function showPreview(preview) {
    const count = preview.rows.length;
    const lines = [];
    if (preview.encoding === 'shift_jis') lines.push(h('span', { class: 'notice', dataset: { testid: 'import-shift-jis' }, text: t('admin.previewShiftJis') }));
    lines.push(
      h('span', {
        class: preview.invalid ? 'form-error' : '',
        text: preview.invalid ? t('admin.previewBad', { invalid: preview.invalid, count }) : t('admin.previewOk', { count }),
      }),
    );
    summary.replaceChildren(...lines);
    table.replaceChildren(
      h(
        'table',
        { class: 'data-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('admin.col.row') }), COLUMNS.map((c) => h('th', { scope: 'col', text: t(`admin.col.${c}`) })), h('th', { scope: 'col', text: t('admin.col.problems') }))),
        h(
          'tbody',
          {},
          preview.rows.map((row) => {
            const bad = new Set(row.errors.map((e) => e.field));
            return h(
              'tr',
              { class: row.errors.length ? 'bad' : '', dataset: { testid: 'import-row', row: String(row.row), bad: String(row.errors.length > 0) } },
              h('th', { scope: 'row', text: String(row.row) }),
              COLUMNS.map((c) => {
                const value = c === 'role' ? t(`role.${row.role}`) : row[c] ?? '';
                return h('td', { class: bad.has(c) ? 'bad-cell' : '', text: value });
              }),
              h(
                'td',
                { dataset: { testid: 'import-problems' } },
                row.errors.length ? h('ul', {}, row.errors.map((e) => h('li', { text: problem(e) }))) : null,
                // A warn-level word in the name: imported all the same (and recorded).
                row.warned && !row.errors.length ? h('span', { class: 'muted small', dataset: { testid: 'import-warned' }, text: t('csv.row.word_warned') }) : null,
              ),
            );
          }),
        ),
      ),
    );
    confirm.hidden = preview.invalid > 0;
    confirm.textContent = t('admin.importConfirm', { count });
  }

  function showResult(created) {
    const all = created.map((c) => `${c.email}\t${c.url}`).join('\n');
    result.replaceChildren(
      h('p', { role: 'status', dataset: { testid: 'import-done' }, text: t('admin.imported', { count: created.length }) }),
      h('p', { class: 'hint', text: t('admin.importedLead') }),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', dataset: { testid: 'import-copy-all' }, onclick: () => copyText(all), text: t('admin.copyAll') })),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data-table' },
          h('thead', {}, h('tr', {}, ['name', 'email'].map((c) => h('th', { scope: 'col', text: t(`admin.col.${c}`) })), h('th', { scope: 'col', text: t('admin.col.link') }))),
          h(
            'tbody',
            {},
            created.map((c) =>
              h('tr', { dataset: { testid: 'imported-person', userId: String(c.id) } }, h('td', { text: c.display_name }), h('td', { text: c.email }), h('td', {}, copyRow(c.url, `imported-${c.id}`))),
            ),
          ),
        ),
      ),
    );
  }

  return h(
    'details',
    { class: 'card', dataset: { testid: 'import-panel' } },
    h('summary', { text: t('admin.import') }),
    h('div', { class: 'stack' }, h('p', { class: 'hint', text: t('admin.importLead') }), h('div', { class: 'inline-form' }, field(t('admin.importFile'), input), check), error, summary, table, confirm, result),
  );
}
