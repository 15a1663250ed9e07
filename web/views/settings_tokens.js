// Account settings: personal API tokens, for bots and scripts (GET/POST/DELETE
// /api/tokens). A new token is shown once, to copy, with a warning; the list
// shows names and dates only. Revoking one closes its connections at once.
import { del, get, post } from '../api.js';
import { field, h } from '../dom.js';
import { formatAgo, formatDate, t } from '../i18n/index.js';
import { copyBox } from './copy.js';
import { errorBox, errorText, toast } from './errors.js';

const DEFAULT_DAYS = 90;
const MAX_DAYS = 365;

export function tokensSection() {
  let alive = true;
  const title = t('settings.tokens');
  const list = h('ul', { class: 'account-list', dataset: { testid: 'tokens-list' } });
  const issued = h('div', { class: 'card issued', role: 'status', hidden: true, dataset: { testid: 'token-issued' } });

  const name = h('input', { type: 'text', required: true, maxlength: '100', autocomplete: 'off', dataset: { testid: 'token-name' } });
  const days = h('input', {
    type: 'number',
    required: true,
    min: '1',
    max: String(MAX_DAYS),
    step: '1',
    value: String(DEFAULT_DAYS),
    inputmode: 'numeric',
    dataset: { testid: 'token-days' },
  });
  const error = errorBox('token-error');
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'token-submit' }, text: t('tokens.create') });
  const form = h(
    'form',
    { class: 'grid-form card', novalidate: true, dataset: { testid: 'token-form' }, onsubmit: onCreate },
    field(t('tokens.name'), name, t('tokens.nameHint')),
    field(t('tokens.days'), days, t('tokens.daysHint', { max: MAX_DAYS })),
    error,
    h('div', { class: 'row end span' }, submit),
  );

  async function onCreate(ev) {
    ev.preventDefault();
    error.set('');
    const n = Number(days.value);
    if (!name.value.trim()) return error.set(t('tokens.nameMissing'));
    if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) return error.set(t('tokens.daysInvalid', { max: MAX_DAYS }));
    submit.disabled = true;
    try {
      const made = await post('/api/tokens', { name: name.value.trim(), expires_in_days: n });
      name.value = '';
      days.value = String(DEFAULT_DAYS);
      showIssued(made);
      load();
    } catch (err) {
      error.set(errorText(err, { conflict: t('tokens.tooMany') }));
    } finally {
      submit.disabled = false;
    }
  }

  function showIssued(made) {
    const box = copyBox(made.token, { label: t('tokens.issued', { name: made.name }), testid: 'token-value', copied: t('tokens.copied') });
    issued.replaceChildren(
      box.el,
      h('p', { class: 'notice warn', dataset: { testid: 'token-warning' }, text: t('tokens.once') }),
      h('div', { class: 'row end' }, h('button', { type: 'button', class: 'btn small', dataset: { testid: 'token-done' }, text: t('tokens.done'), onclick: () => {
        issued.hidden = true;
        issued.replaceChildren(); // the secret leaves the page
      } })),
    );
    issued.hidden = false;
    box.focus();
  }

  async function load() {
    try {
      const tokens = await get('/api/tokens');
      if (!alive) return;
      list.replaceChildren(...(tokens.length ? tokens.map(row) : [h('li', { class: 'muted', text: t('tokens.none') })]));
    } catch (err) {
      if (alive) list.replaceChildren(h('li', { role: 'alert', text: errorText(err) }));
    }
  }

  function row(token) {
    const expired = token.expires_at && new Date(token.expires_at).getTime() < Date.now();
    const facts = [
      t('tokens.createdAt', { when: formatAgo(token.created_at) }),
      token.last_used_at ? t('tokens.lastUsed', { when: formatAgo(token.last_used_at) }) : t('tokens.neverUsed'),
      token.expires_at ? (expired ? t('tokens.expired') : t('tokens.expires', { date: formatDate(token.expires_at) })) : null,
    ].filter(Boolean);
    const controls = h('div', { class: 'account-controls' });
    const revoke = h('button', {
      type: 'button',
      class: 'btn small',
      dataset: { testid: 'token-revoke' },
      text: t('tokens.revoke'),
      onclick: () => confirm(),
    });
    controls.append(revoke);

    function confirm() {
      const yes = h('button', {
        type: 'button',
        class: 'btn small danger',
        dataset: { testid: 'token-revoke-confirm' },
        text: t('tokens.revoke'),
        onclick: async () => {
          yes.disabled = true;
          try {
            await del(`/api/tokens/${token.id}`);
            toast(t('tokens.revoked', { name: token.name }));
          } catch (err) {
            if (err.code !== 'not_found') toast(errorText(err));
          }
          load();
        },
      });
      const no = h('button', { type: 'button', class: 'btn small', text: t('common.cancel'), onclick: () => controls.replaceChildren(revoke) });
      controls.replaceChildren(h('span', { class: 'confirm-text', role: 'alert', text: t('tokens.revokeQ') }), yes, no);
      no.focus();
    }

    return h(
      'li',
      { class: `account${expired ? ' inactive' : ''}`, dataset: { testid: 'token', tokenId: String(token.id) } },
      h('div', { class: 'account-who' }, h('div', {}, h('strong', { text: token.name }), h('small', { class: 'muted', text: facts.join(' · ') }))),
      controls,
    );
  }

  const el = h(
    'section',
    { id: 'settings-tokens', class: 'admin-section', 'aria-labelledby': 'settings-tokens-title' },
    h('h2', { id: 'settings-tokens-title', tabindex: '-1', text: title }),
    h('p', { class: 'muted', text: t('tokens.lead') }),
    form,
    issued,
    list,
  );
  load();
  return {
    el,
    title,
    destroy() {
      alive = false;
    },
  };
}
