// Admin: terms of use and the word check.
// Terms: write them (light Markdown, as posts; ready-made Japanese and English
// texts to start from), publish a version (everyone accepts it again before
// writing), and see each version with how many accepted it, and who has and
// has not accepted the one in force (GET/POST /api/terms/versions,
// GET /api/terms/acceptances, GET /api/terms/starting).
// Words: the list, as two boxes of one word or phrase a line, block and warn
// (GET/PUT /api/words); the starting lists fill them (GET /api/words/starting).
// Nothing is checked until a list is saved.
import { get, post, put } from '../api.js';
import { field, h } from '../dom.js';
import { formatFull, formatNumber, t } from '../i18n/index.js';
import { errorBox, errorText, toast } from './errors.js';

export function termsSection() {
  let alive = true;
  const text = h('textarea', { rows: '14', maxlength: '20000', class: 'terms-editor', dataset: { testid: 'terms-editor' } });
  const error = errorBox('terms-admin-error');
  const publish = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'terms-publish' }, text: t('admin.termsPublish') });
  const startJa = h('button', { type: 'button', class: 'btn', dataset: { testid: 'terms-start-ja' }, text: t('admin.termsStartJa'), onclick: () => start('ja') });
  const startEn = h('button', { type: 'button', class: 'btn', dataset: { testid: 'terms-start-en' }, text: t('admin.termsStartEn'), onclick: () => start('en') });
  const versions = h('div', { dataset: { testid: 'terms-versions' } });
  const who = h('div', { dataset: { testid: 'terms-acceptances' } });
  const form = h(
    'form',
    {
      class: 'card stack',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        if (!text.value.trim()) return error.set(t('admin.termsEmpty'));
        if (!window.confirm(t('admin.termsConfirm'))) return;
        publish.disabled = true;
        try {
          const made = await post('/api/terms/versions', { body: text.value });
          toast(t('admin.termsPublished', { version: made.version }));
          load();
        } catch (err) {
          error.set(errorText(err));
        } finally {
          publish.disabled = false;
        }
      },
    },
    field(t('admin.termsText'), text, t('admin.termsHint')),
    h('div', { class: 'row' }, startJa, startEn),
    error,
    h('div', { class: 'row end' }, publish),
  );

  async function start(code) {
    try {
      const starting = await get('/api/terms/starting');
      text.value = starting[code];
    } catch (err) {
      error.set(errorText(err));
    }
  }

  function showVersions(o) {
    if (!o.versions.length) {
      versions.replaceChildren(h('p', { class: 'muted', dataset: { testid: 'terms-never' }, text: t('admin.termsNever') }));
      return;
    }
    versions.replaceChildren(
      h('p', { dataset: { testid: 'terms-summary' }, text: t('admin.termsSummary', { accepted: formatNumber(o.current_accepted), people: formatNumber(o.people), version: o.versions[0].version }) }),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('admin.termsVersion') }), h('th', { scope: 'col', text: t('admin.termsPublishedAt') }), h('th', { scope: 'col', class: 'num', text: t('admin.termsAccepted') }))),
          h(
            'tbody',
            {},
            o.versions.map((v) =>
              h('tr', { dataset: { version: String(v.version) } }, h('td', { text: String(v.version) }), h('td', { text: formatFull(v.published_at) }), h('td', { class: 'num', text: `${formatNumber(v.accepted)} / ${formatNumber(o.people)}` })),
            ),
          ),
        ),
      ),
    );
  }

  function showWho(a) {
    if (!a.version) return who.replaceChildren();
    const list = (rows, testid, when) =>
      h('ul', { class: 'plain-list small', dataset: { testid } }, rows.map((r) => h('li', { dataset: { id: String(r.user_id) } }, h('span', { text: r.display_name }), when ? h('span', { class: 'muted', text: ` ${formatFull(r.accepted_at)}` }) : null)));
    who.replaceChildren(
      h('h3', { class: 'sub-heading', text: t('admin.termsWhoAccepted', { count: a.accepted.length }) }),
      list(a.accepted, 'terms-accepted-list', true),
      h('h3', { class: 'sub-heading', text: t('admin.termsWhoPending', { count: a.pending.length }) }),
      list(a.pending, 'terms-pending-list', false),
    );
  }

  async function load() {
    try {
      const [overview, current, acceptances] = await Promise.all([get('/api/terms/versions'), get('/api/terms'), get('/api/terms/acceptances')]);
      if (!alive) return;
      showVersions(overview);
      showWho(acceptances);
      if (!text.value) text.value = current.body;
    } catch (err) {
      if (alive) error.set(errorText(err));
    }
  }

  const el = h(
    'section',
    { id: 'admin-terms', class: 'admin-section', 'aria-labelledby': 'admin-terms-title', dataset: { testid: 'admin-terms' } },
    h('h2', { id: 'admin-terms-title', tabindex: '-1', text: t('admin.terms') }),
    h('p', { class: 'muted', text: t('admin.termsLead') }),
    form,
    versions,
    who,
  );
  load();
  return {
    el,
    destroy() {
      alive = false;
    },
  };
}

const lines = (value) =>
  value
    .split('\n')
    .map((w) => w.trim())
    .filter(Boolean);

export function wordsSection() {
  let alive = true;
  const box = (testid) => h('textarea', { rows: '8', class: 'words-editor', dataset: { testid } });
  const block = box('words-block');
  const warn = box('words-warn');
  const state = h('p', { class: 'muted', dataset: { testid: 'words-state' } });
  const error = errorBox('words-error');
  const save = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'words-save' }, text: t('common.save') });
  const starting = h('button', { type: 'button', class: 'btn', dataset: { testid: 'words-starting' }, text: t('admin.wordsStarting'), onclick: fillStarting });
  const form = h(
    'form',
    {
      class: 'card stack',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        const entries = [...lines(block.value).map((word) => ({ word, level: 'block' })), ...lines(warn.value).map((word) => ({ word, level: 'warn' }))];
        save.disabled = true;
        try {
          show(await put('/api/words', { entries }));
          toast(t('admin.wordsSaved'));
        } catch (err) {
          error.set(errorText(err));
        } finally {
          save.disabled = false;
        }
      },
    },
    field(t('admin.wordsBlock'), block, t('admin.wordsBlockHint')),
    field(t('admin.wordsWarn'), warn, t('admin.wordsWarnHint')),
    h('div', { class: 'row' }, starting),
    error,
    h('div', { class: 'row end' }, save),
  );

  function show(list) {
    block.value = list.entries.filter((e) => e.level === 'block').map((e) => e.word).join('\n');
    warn.value = list.entries.filter((e) => e.level === 'warn').map((e) => e.word).join('\n');
    state.textContent = list.in_force
      ? t('admin.wordsInForce', { count: formatNumber(list.entries.length), max: formatNumber(list.max_entries), chars: list.max_word_chars })
      : t('admin.wordsOff');
  }

  async function fillStarting() {
    try {
      const s = await get('/api/words/starting');
      const all = [...s.ja, ...s.en];
      block.value = all.filter((e) => e.level === 'block').map((e) => e.word).join('\n');
      warn.value = all.filter((e) => e.level === 'warn').map((e) => e.word).join('\n');
    } catch (err) {
      error.set(errorText(err));
    }
  }

  get('/api/words')
    .then((list) => alive && show(list))
    .catch((err) => alive && error.set(errorText(err)));

  const el = h(
    'section',
    { id: 'admin-words', class: 'admin-section', 'aria-labelledby': 'admin-words-title', dataset: { testid: 'admin-words' } },
    h('h2', { id: 'admin-words-title', tabindex: '-1', text: t('admin.words') }),
    h('p', { class: 'muted', text: t('admin.wordsLead') }),
    state,
    form,
  );
  return {
    el,
    destroy() {
      alive = false;
    },
  };
}
