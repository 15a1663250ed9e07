// Admin: files. What may be uploaded (the size of one file, the kinds
// accepted: GET and PUT /api/files/rules) and the storage files take (GET
// /api/files/usage): in all, not yet attached to a post, per channel and per
// person, the most used first.
import { get, put } from '../api.js';
import { field, h } from '../dom.js';
import { forgetRules, humanSize } from '../files.js';
import { formatNumber, t } from '../i18n/index.js';
import { kindName } from './attachments.js';
import { errorBox, errorText, toast } from './errors.js';

const KINDS = ['image', 'pdf', 'office', 'text', 'other'];
const MAX_MB = 5000;

export function filesSection() {
  let alive = true;
  const maxMb = h('input', { type: 'number', min: '1', max: String(MAX_MB), step: '1', required: true, inputmode: 'numeric', dataset: { testid: 'files-max-mb' } });
  const boxes = new Map(
    KINDS.map((kind) => [kind, h('input', { type: 'checkbox', value: kind, dataset: { testid: `files-allow-${kind}` } })]),
  );
  const error = errorBox('files-rules-error');
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'files-rules-save' }, text: t('common.save') });
  const form = h(
    'form',
    {
      class: 'card stack narrow-form',
      dataset: { testid: 'files-rules' },
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        const mb = Number(maxMb.value);
        if (!Number.isInteger(mb) || mb < 1 || mb > MAX_MB) return error.set(t('admin.filesMaxInvalid', { max: MAX_MB }));
        submit.disabled = true;
        try {
          const rules = await put('/api/files/rules', { max_file_mb: mb, allowed: KINDS.filter((k) => boxes.get(k).checked) });
          forgetRules();
          show(rules);
          toast(t('admin.filesSaved'));
        } catch (err) {
          error.set(errorText(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    field(t('admin.filesMax'), maxMb, t('admin.filesMaxHint', { max: MAX_MB })),
    h(
      'fieldset',
      { class: 'kinds' },
      h('legend', { text: t('admin.filesKinds') }),
      KINDS.map((kind) => h('label', { class: 'check' }, boxes.get(kind), h('span', { text: kindName(kind) }))),
    ),
    error,
    h('div', { class: 'row end' }, submit),
  );

  const usage = h('div', { class: 'stack', dataset: { testid: 'files-usage' } }, h('p', { class: 'muted', text: t('common.loading') }));

  function show(rules) {
    maxMb.value = String(rules.max_file_mb);
    for (const [kind, box] of boxes) box.checked = rules.allowed.includes(kind);
  }

  function table(rows, nameHeader, testid) {
    if (!rows.length) return h('p', { class: 'muted small', dataset: { testid }, text: t('admin.usageNone') });
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data-table usage-table', dataset: { testid } },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: nameHeader }), h('th', { scope: 'col', class: 'num', text: t('admin.col.files') }), h('th', { scope: 'col', class: 'num', text: t('admin.col.size') }))),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h('tr', { dataset: { id: String(r.id) } }, h('td', { text: r.name }), h('td', { class: 'num', text: formatNumber(r.files) }), h('td', { class: 'num', text: humanSize(r.bytes) })),
          ),
        ),
      ),
    );
  }

  function showUsage(u) {
    usage.replaceChildren(
      h(
        'dl',
        { class: 'facts-list usage-facts' },
        h('dt', { text: t('admin.usageTotal') }),
        h('dd', { dataset: { testid: 'usage-total' }, text: t('admin.usageFiles', { size: humanSize(u.total_bytes), count: u.total_files }) }),
        h('dt', { text: t('admin.usageUnattached') }),
        h('dd', { dataset: { testid: 'usage-unattached' }, text: humanSize(u.unattached_bytes) }),
      ),
      h('p', { class: 'hint', text: t('admin.usageUnattachedHint') }),
      h('h3', { class: 'sub-heading', text: t('admin.usageChannels') }),
      table(u.channels, t('admin.col.channel'), 'usage-channels'),
      h('h3', { class: 'sub-heading', text: t('admin.usagePeople') }),
      table(u.people, t('admin.col.person'), 'usage-people'),
    );
  }

  async function load() {
    try {
      const rules = await get('/api/files/rules');
      if (alive) show(rules);
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
    try {
      const u = await get('/api/files/usage');
      if (alive) showUsage(u);
    } catch (err) {
      if (alive) usage.replaceChildren(h('p', { role: 'alert', text: errorText(err) }));
    }
  }

  const el = h(
    'section',
    { id: 'admin-files', class: 'admin-section', 'aria-labelledby': 'admin-files-title', dataset: { testid: 'admin-files' } },
    h('h2', { id: 'admin-files-title', tabindex: '-1', text: t('admin.files') }),
    h('p', { class: 'muted', text: t('admin.filesLead') }),
    form,
    h('h3', { class: 'sub-heading', text: t('admin.usage') }),
    usage,
  );
  load();
  return {
    el,
    destroy() {
      alive = false;
    },
  };
}
